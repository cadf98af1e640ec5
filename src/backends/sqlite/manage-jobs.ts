import type { JobEvent } from '../../jobs/job.js';
import { appendHistory, type StoredState } from './job-row.js';
import type { SqliteContext } from './sqlite-context.js';

/** The operator's actions (dashboard, CLI, API) on one job. */
export interface JobManager {
  cancel(id: string): boolean;
  retry(id: string): boolean;
  remove(id: string): boolean;
}

interface ManagedRow {
  seq: number;
  state: StoredState;
  key: string | null;
  attempts: number;
  history: string;
}

/**
 * Makes `cancel`, `retry` and `remove`, each a read-then-write in one IMMEDIATE transaction so it
 * cannot race a claim in another process.
 */
export function createManager(context: SqliteContext): JobManager {
  const { db } = context;
  const find = db.prepare(`SELECT seq, state, key, attempts, history FROM errand_jobs WHERE id = ?`);
  const keyTaken = db.prepareValue(`SELECT 1 FROM errand_jobs WHERE key = ? AND state IN ('queued', 'retrying', 'running')`);
  const flagCancel = db.prepare(`UPDATE errand_jobs SET cancel_requested = 1, updated_at = ?, history = ? WHERE seq = ?`);
  const setCancelled = db.prepare(`UPDATE errand_jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, history = ? WHERE seq = ?`);
  const requeue = db.prepare(
    `UPDATE errand_jobs SET state = 'queued', attempts = 0, run_at = ?, cancel_requested = 0, result = NULL, progress = NULL,
       finished_at = NULL, updated_at = ?, history = ? WHERE seq = ?`,
  );
  const deleteRow = db.prepare(`DELETE FROM errand_jobs WHERE seq = ?`);

  const cancel = db.immediate((id: string, now: number): boolean => {
    const row = find.get(id) as ManagedRow | undefined;
    if (row === undefined || row.state === 'succeeded' || row.state === 'dead' || row.state === 'cancelled') return false;
    const event: JobEvent = { at: now, type: 'cancelled', message: row.state === 'running' ? 'cancellation requested' : undefined };
    // A running job keeps its lease; its worker learns of the cancellation at the next heartbeat.
    if (row.state === 'running') flagCancel.run(now, appendHistory(row.history, { ...event, attempt: row.attempts }), row.seq);
    else setCancelled.run(now, now, appendHistory(row.history, event), row.seq);
    return true;
  });
  const retry = db.immediate((id: string, now: number): boolean => {
    const row = find.get(id) as ManagedRow | undefined;
    if (row === undefined || (row.state !== 'dead' && row.state !== 'cancelled')) return false;
    // Requeueing would break the promise of the dedupe key while another job holds it.
    if (row.key !== null && keyTaken.get(row.key) === 1) return false;
    requeue.run(now, now, appendHistory(row.history, { at: now, type: 'retried' }), row.seq);
    return true;
  });
  const remove = db.immediate((id: string): boolean => {
    const row = find.get(id) as ManagedRow | undefined;
    if (row === undefined || row.state === 'running') return false;
    deleteRow.run(row.seq);
    return true;
  });

  return {
    cancel: (id) => cancel(id, context.now()),
    retry(id) {
      const retried = retry(id, context.now());
      if (retried) context.notify();
      return retried;
    },
    remove: (id) => remove(id),
  };
}
