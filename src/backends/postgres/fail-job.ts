import type { FailOptions, Lease } from '../../jobs/backend.js';
import { leaseLostError } from '../../jobs/backend-errors.js';
import { appendedHistory, tokenSeq } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';

/**
 * Makes `fail`: ends the attempt as failed; the job then rests in `retrying` until `retryAt`, or is
 * dead when `retryAt` is null, or cancelled when cancellation was requested while it ran. One
 * fenced UPDATE: a stale lease changes nothing and gets ERRAND_LEASE_LOST. A retry notifies, so a
 * job retried at once is picked up by a waiting worker at once.
 */
export function createFail(context: PostgresContext): (lease: Lease, options: FailOptions) => Promise<void> {
  const { table, query } = context;
  const newState = `CASE WHEN cancel_requested THEN 'cancelled' WHEN $3::bigint IS NULL THEN 'dead' ELSE 'retrying' END`;
  const events = `jsonb_build_array(
      jsonb_build_object('at', $4::bigint, 'type', 'failed', 'attempt', attempts, 'message', $6::text),
      jsonb_strip_nulls(jsonb_build_object('at', $4::bigint, 'type', ${newState}, 'attempt', attempts,
        'message', CASE WHEN ${newState} = 'retrying' THEN 'next attempt at ' || $7::text END)))`;
  const text = `WITH failed AS (
      UPDATE ${table} SET state = ${newState}, run_at = CASE WHEN ${newState} = 'retrying' THEN $3 ELSE run_at END, error = $5::json,
        token = NULL, lease_until = NULL, finished_at = CASE WHEN ${newState} = 'retrying' THEN NULL ELSE $4::bigint END, updated_at = $4,
        history = ${appendedHistory(events)}
      WHERE seq = $1 AND token = $2 AND state = 'running'
      RETURNING state)
    SELECT state, CASE WHEN state = 'retrying' THEN pg_notify($8, '')::text END AS notified FROM failed`;

  return async function fail(lease, options) {
    const now = context.now();
    const retryAt = options.retryAt;
    const values = [tokenSeq(lease.token), lease.token, retryAt, now, JSON.stringify(options.error), options.error.title, new Date(retryAt ?? now).toISOString(), context.channel];
    const { rowCount } = await query(text, values, `errand-fail-${context.schema}`);
    if (rowCount !== 1) throw leaseLostError(lease.jobId);
  };
}
