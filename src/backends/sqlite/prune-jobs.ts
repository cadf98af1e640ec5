import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes `prune`: deletes finished jobs older than their state's retention. Walks the small
 * finished-jobs index, in chunks so that one prune of a huge backlog does not hold the write lock
 * (and stall every worker) for long.
 */
export function createPrune(context: SqliteContext): (now?: number) => number {
  const { db } = context;
  const chunk = db.prepare(
    `DELETE FROM errand_jobs WHERE seq IN (
       SELECT seq FROM errand_jobs WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished_at <= @oldest AND (
         (state = 'succeeded' AND finished_at <= @succeeded) OR (state = 'dead' AND finished_at <= @dead) OR (state = 'cancelled' AND finished_at <= @cancelled))
       LIMIT 1000)`,
  );

  // Records of the queue file's own errand_workers table, where errand kept liveness before it had a
  // file of its own: an older errand still running beside this one may write there (it judges this
  // one's workers by their leases, and this one judges it by its leases), so the table stays.
  const forgetOldWorkers = db.prepare('DELETE FROM errand_workers WHERE alive_until <= ?');

  return function prune(now = context.now()) {
    // Liveness records of workers gone for a day: their jobs were taken back long ago.
    context.liveness.forget(now - 86_400_000);
    forgetOldWorkers.run(now - 86_400_000);
    const { succeededMs, deadMs, cancelledMs } = context.retention;
    const bounds = { succeeded: now - succeededMs, dead: now - deadMs, cancelled: now - cancelledMs };
    const limits = { ...bounds, oldest: Math.max(bounds.succeeded, bounds.dead, bounds.cancelled) };
    let removed = 0;
    for (;;) {
      const changes = chunk.run(limits).changes;
      removed += changes;
      if (changes < 1000) return removed;
    }
  };
}
