import type { FailOptions, Lease } from '../../jobs/backend.js';
import type { JobEvent } from '../../jobs/job.js';
import { appendHistory, encodeJson, type StoredState } from './job-row.js';
import { prepareFindLeased, requireLeased } from './leased-row.js';
import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes `fail`: ends the attempt as failed, then the job rests in `retrying` until `retryAt`, or is
 * dead when `retryAt` is null. A job whose cancellation was requested while it ran becomes
 * cancelled instead of retrying. Fenced: a stale lease gets ERRAND_LEASE_LOST.
 */
export function createFail(context: SqliteContext): (lease: Lease, options: FailOptions) => void {
  const { db } = context;
  const find = prepareFindLeased(db);
  const update = db.prepare(
    `UPDATE errand_jobs SET state = ?, run_at = coalesce(?, run_at), error = ?, token = NULL, lease_until = NULL,
       finished_at = ?, updated_at = ?, history = ? WHERE seq = ?`,
  );
  const failInTransaction = db.immediate((lease: Lease, options: FailOptions, now: number): void => {
    const row = requireLeased(find, lease);
    const state: StoredState = row.cancel_requested === 1 ? 'cancelled' : options.retryAt === null ? 'dead' : 'retrying';
    const events: JobEvent[] = [{ at: now, type: 'failed', attempt: row.attempts, message: options.error.title }];
    events.push({ at: now, type: state, attempt: row.attempts, ...(state === 'retrying' ? { message: `next attempt at ${new Date(options.retryAt ?? now).toISOString()}` } : {}) });
    const runAt = state === 'retrying' ? options.retryAt : null;
    update.run(state, runAt, encodeJson(options.error), state === 'retrying' ? null : now, now, appendHistory(row.history, ...events), row.seq);
  });

  return function fail(lease, options) {
    failInTransaction(lease, options, context.now());
    if (options.retryAt !== null) context.notify();
  };
}
