import type { Lease } from '../../jobs/backend.js';
import { leaseLostError } from '../../jobs/backend-errors.js';
import { appendedHistory, encodeJson, tokenSeq } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';

/** The lease-holding operations that neither succeed nor fail an attempt. */
export interface LeaseSettlers {
  progress: (lease: Lease, progress: unknown) => Promise<void>;
  /** The handler stopped because the job was cancelled: the job is cancelled. */
  cancelled: (lease: Lease) => Promise<void>;
  /** The worker gives the job back (shutdown): queued again, the attempt not counted. */
  release: (lease: Lease, runAt?: number) => Promise<void>;
}

const fenced = `seq = $1 AND token = $2 AND state = 'running'`;

/**
 * Makes `progress`, `cancelled` and `release`, each one UPDATE fenced by the lease token: a stale
 * lease changes nothing and gets ERRAND_LEASE_LOST. A release notifies, so a waiting worker takes
 * the job at once.
 */
export function createLeaseSettlers(context: PostgresContext): LeaseSettlers {
  const { table, query, schema } = context;
  const progressEvent = `jsonb_build_array(jsonb_build_object('at', $3::bigint, 'type', 'progress', 'attempt', attempts))`;
  const setProgress = `UPDATE ${table} SET progress = $4::json, updated_at = $3, history = ${appendedHistory(progressEvent)} WHERE ${fenced}`;
  const cancelledEvent = `jsonb_build_array(jsonb_build_object('at', $3::bigint, 'type', 'cancelled', 'attempt', attempts))`;
  const setCancelled = `UPDATE ${table} SET state = 'cancelled', token = NULL, lease_until = NULL, finished_at = $3, updated_at = $3,
      history = ${appendedHistory(cancelledEvent)} WHERE ${fenced}`;
  // A job whose cancellation was requested is not handed to another worker: it ends cancelled.
  const releasedEvents = `CASE WHEN cancel_requested
      THEN jsonb_build_array(jsonb_build_object('at', $3::bigint, 'type', 'released', 'attempt', attempts), jsonb_build_object('at', $3::bigint, 'type', 'cancelled'))
      ELSE jsonb_build_array(jsonb_build_object('at', $3::bigint, 'type', 'released', 'attempt', attempts)) END`;
  const setReleased = `WITH released AS (
      UPDATE ${table} SET state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
        attempts = CASE WHEN cancel_requested THEN attempts ELSE attempts - 1 END, token = NULL, lease_until = NULL, worker_id = NULL,
        finished_at = CASE WHEN cancel_requested THEN $3::bigint END, run_at = coalesce($5::bigint, run_at), updated_at = $3, history = ${appendedHistory(releasedEvents)}
      WHERE ${fenced} RETURNING state)
    SELECT state, pg_notify($4, '')::text AS notified FROM released`;

  async function settle(lease: Lease, text: string, name: string, extra: readonly unknown[]): Promise<void> {
    const { rowCount } = await query(text, [tokenSeq(lease.token), lease.token, context.now(), ...extra], `errand-${name}-${schema}`);
    if (rowCount !== 1) throw leaseLostError(lease.jobId);
  }

  return {
    progress: (lease, value) => settle(lease, setProgress, 'progress', [encodeJson(value)]),
    cancelled: (lease) => settle(lease, setCancelled, 'cancelled', []),
    release: (lease, runAt) => settle(lease, setReleased, 'release', [context.channel, runAt ?? null]),
  };
}
