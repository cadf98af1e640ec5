import { databaseNowMs, type PostgresContext } from './postgres-context.js';

/**
 * Makes `prune`: deletes finished jobs older than their state's retention, 1,000 at a time (each
 * chunk its own short statement) so a huge backlog never holds locks long; and the liveness records
 * of workers gone for a minute that hold no job (each claim looks at lapsed records).
 */
export function createPrune(context: PostgresContext): (now?: number) => Promise<number> {
  const { table, query } = context;
  const chunk = `DELETE FROM ${table} WHERE seq IN (
      SELECT seq FROM ${table} WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished_at <= $4 AND (
        (state = 'succeeded' AND finished_at <= $1) OR (state = 'dead' AND finished_at <= $2) OR (state = 'cancelled' AND finished_at <= $3))
      LIMIT 1000)`;

  const forgetWorkers = `DELETE FROM ${context.workers} AS w WHERE w.alive_until <= ${databaseNowMs} - 60000
      AND NOT EXISTS (SELECT 1 FROM ${table} WHERE worker_id = w.id AND state = 'running')`;

  return async function prune(now = context.now()) {
    await query(forgetWorkers, [], `errand-forget-workers-${context.schema}`);
    const { succeededMs, deadMs, cancelledMs } = context.retention;
    const bounds = [now - succeededMs, now - deadMs, now - cancelledMs];
    const values = [...bounds, Math.max(...bounds)];
    let removed = 0;
    for (;;) {
      const changes = (await query(chunk, values, `errand-prune-${context.schema}`)).rowCount ?? 0;
      removed += changes;
      if (changes < 1000) return removed;
    }
  };
}
