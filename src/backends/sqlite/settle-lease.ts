import type { Lease } from '../../jobs/backend.js';
import { appendHistory, encodeJson } from './job-row.js';
import { prepareFindLeased, requireLeased } from './leased-row.js';
import type { SqliteContext } from './sqlite-context.js';

/** The lease-holding operations that neither succeed nor fail an attempt. */
export interface LeaseSettlers {
  progress(lease: Lease, progress: unknown): void;
  /** The handler stopped because the job was cancelled: the job is cancelled. */
  cancelled(lease: Lease): void;
  /** The worker gives the job back (shutdown): queued again, the attempt not counted. */
  release(lease: Lease, runAt?: number): void;
}

/**
 * Makes `progress`, `cancelled` and `release`. All three are fenced by the lease token: a stale
 * lease gets ERRAND_LEASE_LOST and changes nothing.
 */
export function createLeaseSettlers(context: SqliteContext): LeaseSettlers {
  const { db } = context;
  const find = prepareFindLeased(db);
  const setProgress = db.prepare(`UPDATE errand_jobs SET progress = ?, updated_at = ?, history = ? WHERE seq = ?`);
  const setCancelled = db.prepare(
    `UPDATE errand_jobs SET state = 'cancelled', token = NULL, lease_until = NULL, finished_at = ?, updated_at = ?, history = ? WHERE seq = ?`,
  );
  const setReleased = db.prepare(
    `UPDATE errand_jobs SET state = 'queued', attempts = attempts - 1, token = NULL, lease_until = NULL, worker_id = NULL,
       run_at = coalesce(?, run_at), updated_at = ?, history = ? WHERE seq = ?`,
  );

  const progress = db.immediate((lease: Lease, value: string | null, now: number) => {
    const row = requireLeased(find, lease);
    setProgress.run(value, now, appendHistory(row.history, { at: now, type: 'progress', attempt: row.attempts }), row.seq);
  });
  const cancelled = db.immediate((lease: Lease, now: number) => {
    const row = requireLeased(find, lease);
    setCancelled.run(now, now, appendHistory(row.history, { at: now, type: 'cancelled', attempt: row.attempts }), row.seq);
  });
  const release = db.immediate((lease: Lease, now: number, runAt: number | null) => {
    const row = requireLeased(find, lease);
    const history = appendHistory(row.history, { at: now, type: 'released', attempt: row.attempts });
    // A job whose cancellation was requested is not handed to another worker.
    if (row.cancel_requested === 1) setCancelled.run(now, now, appendHistory(history, { at: now, type: 'cancelled' }), row.seq);
    else setReleased.run(runAt, now, history, row.seq);
  });

  return {
    progress: (lease, value) => progress(lease, encodeJson(value), context.now()),
    cancelled: (lease) => cancelled(lease, context.now()),
    release(lease, runAt) {
      release(lease, context.now(), runAt ?? null);
      context.notify();
    },
  };
}
