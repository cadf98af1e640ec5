import type { PostgresContext } from './postgres-context.js';
import { appendedHistory } from './job-row.js';
import { unstorableText } from './unstorable-text.js';

/** The operator's actions (dashboard, CLI, API) on one job. */
export interface JobManager {
  cancel: (id: string) => Promise<boolean>;
  retry: (id: string) => Promise<boolean>;
  remove: (id: string) => Promise<boolean>;
}

/**
 * Makes `cancel`, `retry` and `remove`, each one conditional statement (`retry` after taking its
 * dedupe key's lock): a claim holding the row (FOR UPDATE) makes it wait, and Postgres then
 * re-checks the condition on the row as committed, so an action never races a claim or a completion.
 */
export function createManager(context: PostgresContext): JobManager {
  const { table, query, schema } = context;
  // A running job keeps its lease; its worker learns of the cancellation at the next heartbeat.
  const cancelEvent = `jsonb_build_array(CASE WHEN state = 'running'
      THEN jsonb_build_object('at', $2::bigint, 'type', 'cancelled', 'message', 'cancellation requested', 'attempt', attempts)
      ELSE jsonb_build_object('at', $2::bigint, 'type', 'cancelled') END)`;
  const cancel = `UPDATE ${table} SET cancel_requested = (state = 'running'), state = CASE WHEN state = 'running' THEN state ELSE 'cancelled' END,
      finished_at = CASE WHEN state = 'running' THEN finished_at ELSE $2::bigint END, updated_at = $2, history = ${appendedHistory(cancelEvent)}
    WHERE id = $1 AND state IN ('queued', 'retrying', 'running')`;
  // Requeueing would break the promise of the dedupe key while another job holds it. The key's
  // advisory lock, the one enqueue takes (enqueue-keyed-jobs.ts), is taken first in the same
  // transaction: without it a retry and an enqueue of the key, each not seeing the other's
  // uncommitted row, both went ahead and left two unfinished jobs on one key.
  const lockKey = `SELECT pg_advisory_xact_lock(hashtextextended($1 || key, 0)) FROM ${table} WHERE id = $2 AND key IS NOT NULL`;
  const retry = `WITH retried AS (
      UPDATE ${table} AS j SET state = 'queued', attempts = 0, run_at = $2, cancel_requested = false, result = NULL, progress = NULL,
        finished_at = NULL, updated_at = $2, history = ${appendedHistory(`jsonb_build_array(jsonb_build_object('at', $2::bigint, 'type', 'retried'))`)}
      WHERE id = $1 AND state IN ('dead', 'cancelled')
        AND (key IS NULL OR NOT EXISTS (SELECT 1 FROM ${table} AS k WHERE k.key = j.key AND k.state IN ('queued', 'retrying', 'running')))
      RETURNING id)
    SELECT id, pg_notify($3, '')::text AS notified FROM retried`;
  const remove = `DELETE FROM ${table} WHERE id = $1 AND state <> 'running'`;

  return {
    async cancel(id) {
      if (unstorableText(id)) return false;
      return (await query(cancel, [id, context.now()], `errand-cancel-${schema}`)).rowCount === 1;
    },
    async retry(id) {
      if (unstorableText(id)) return false;
      return context.transaction(async (run) => {
        await run(lockKey, [`${table}:`, id], `errand-retry-lock-${schema}`);
        return (await run(retry, [id, context.now(), context.channel], `errand-retry-${schema}`)).rowCount === 1;
      });
    },
    async remove(id) {
      if (unstorableText(id)) return false;
      return (await query(remove, [id], `errand-remove-${schema}`)).rowCount === 1;
    },
  };
}
