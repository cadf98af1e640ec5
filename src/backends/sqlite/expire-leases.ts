import { leaseExpiredProblem } from '../../jobs/backend-errors.js';
import type { JobEvent } from '../../jobs/job.js';
import { appendHistory, encodeJson, type StoredState } from './job-row.js';
import { createLapsedWorkers } from './lapsed-workers.js';
import type { SqliteContext } from './sqlite-context.js';

interface ExpiredRow {
  seq: number;
  attempts: number;
  max_attempts: number;
  cancel_requested: number;
  worker_id: string | null;
  history: string;
}

/**
 * Makes the step that ends attempts whose lease lapsed (their worker died or stalled), or whose
 * worker's liveness record lapsed (the process is gone). The records live in a file of their own
 * (liveness-records.ts), read here, with the queue's write lock held, for the workers of the running
 * jobs only (lapsed-workers.ts).
 * Called inside the claim transaction, so a lapsed job is recorded as failed and becomes claimable in the
 * same atomic step: no window in which two workers both think they own it. The lease index makes
 * the common case (nothing expired) a single index probe.
 *
 * @returns how many jobs were requeued (claimable now).
 */
export function createExpireLeases(context: SqliteContext): (now: number) => number {
  const { db } = context;
  const lapsedWorkers = createLapsedWorkers(context);
  const columns = 'seq, attempts, max_attempts, cancel_requested, worker_id, history';
  const findLapsedLeases = db.prepare(`SELECT ${columns} FROM errand_jobs WHERE state = 'running' AND lease_until <= ? LIMIT 500`);
  const findExpired = db.prepare(
    `SELECT ${columns} FROM errand_jobs
     WHERE state = 'running' AND (lease_until <= ? OR worker_id IN (SELECT value FROM json_each(?))) LIMIT 500`,
  );
  const settle = db.prepare(
    `UPDATE errand_jobs SET state = ?, run_at = coalesce(?, run_at), token = NULL, lease_until = NULL, error = ?, finished_at = ?, updated_at = ?, history = ?
     WHERE seq = ?`,
  );

  return function expireLeases(now) {
    const lapsed = lapsedWorkers(now);
    const rows = (lapsed.length === 0 ? findLapsedLeases.all(now) : findExpired.all(now, JSON.stringify(lapsed))) as ExpiredRow[];
    let requeued = 0;
    for (const row of rows) {
      const error = leaseExpiredProblem(row.attempts);
      const state: StoredState = row.cancel_requested === 1 ? 'cancelled' : row.attempts < row.max_attempts ? 'queued' : 'dead';
      const events: JobEvent[] = [
        { at: now, type: 'lease-expired', attempt: row.attempts, ...(row.worker_id === null ? {} : { message: row.worker_id }) },
        { at: now, type: 'failed', attempt: row.attempts, message: error.title },
        { at: now, type: state === 'queued' ? 'retrying' : state, attempt: row.attempts },
      ];
      if (state === 'queued') requeued += 1;
      // A requeued job keeps its place (its old run_at): it was already running, so it goes first
      // among ready jobs of its priority and runs again within one poll, not after the backlog.
      settle.run(state, null, encodeJson(error), state === 'queued' ? null : now, now, appendHistory(row.history, ...events), row.seq);
    }
    return requeued;
  };
}
