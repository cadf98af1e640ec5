import { leaseExpiredProblem } from '../../jobs/backend-errors.js';
import { appendedHistory } from './job-row.js';
import { databaseNowMs, type PostgresContext } from './postgres-context.js';

interface LapsedRow {
  seq: string;
  token: string;
  attempts: number;
}

/**
 * Makes the step that ends attempts whose lease lapsed (their worker died or stalled), or whose
 * worker's liveness record lapsed (the process is gone: see migration 0002), run before each claim.
 * The common case, nothing lapsed, is one probe of the small lease index and a look at the few
 * worker rows. Each lapsed job is then settled by an UPDATE fenced on its token and on the lease or
 * the record still being lapsed, so a heartbeat or a beat that lands meanwhile wins and two claimers
 * settling the same job change it once.
 * The attempt fails with ERRAND_LEASE_EXPIRED; the job is queued again in its old place in line,
 * or dead when no attempts remain, or cancelled when cancellation had been requested.
 */
export function createExpireLeases(context: PostgresContext): (now: number) => Promise<void> {
  const { table, query, workers } = context;
  const lapsedWorker = `SELECT id FROM ${workers} WHERE alive_until <= ${databaseNowMs}`;
  const find = `SELECT seq, token, attempts FROM ${table} WHERE state = 'running' AND lease_until <= $1
    UNION
    SELECT seq, token, attempts FROM ${table} WHERE state = 'running' AND worker_id IN (${lapsedWorker})
    LIMIT 500`;
  const newState = `CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts < max_attempts THEN 'queued' ELSE 'dead' END`;
  const events = `jsonb_build_array(
      jsonb_strip_nulls(jsonb_build_object('at', $2::bigint, 'type', 'lease-expired', 'attempt', attempts, 'message', worker_id)),
      jsonb_build_object('at', $2::bigint, 'type', 'failed', 'attempt', attempts, 'message', $4::text),
      jsonb_build_object('at', $2::bigint, 'type', CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts < max_attempts THEN 'retrying' ELSE 'dead' END, 'attempt', attempts))`;
  const settle = `UPDATE ${table} SET state = ${newState}, token = NULL, lease_until = NULL, error = $3::json,
      finished_at = CASE WHEN ${newState} = 'queued' THEN NULL ELSE $2::bigint END, updated_at = $2, history = ${appendedHistory(events)}
    WHERE seq = $1 AND token = $5 AND state = 'running' AND (lease_until <= $2 OR worker_id IN (${lapsedWorker}))`;

  return async function expireLeases(now) {
    const lapsed = await query<LapsedRow>(find, [now], `errand-lapsed-${context.schema}`);
    for (const row of lapsed.rows) {
      const error = leaseExpiredProblem(row.attempts);
      await query(settle, [row.seq, now, JSON.stringify(error), error.title, row.token], `errand-expire-${context.schema}`);
    }
  };
}
