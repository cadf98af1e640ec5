import type { Lease, LeaseStatus } from '../../jobs/backend.js';
import { tokenSeq } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';

/**
 * Makes `heartbeat`: one statement extends every lease still held and reports the others as
 * `cancelled` (cancellation requested: the lease is left as is so the worker can abort the handler
 * and call `cancelled`) or `lost` (finished elsewhere, claimed again, removed).
 *
 * The status comes from the UPDATE's RETURNING, never from a plain read of the table in the same
 * statement: that read sees the statement's snapshot, while the UPDATE sees the row as it is once
 * any concurrent write committed. A `cancel` committed while the heartbeat ran used to make the
 * UPDATE skip the row (now cancel-requested) and the read see it still running and not
 * cancel-requested, so the job was reported `lost`: its worker dropped it without recording the
 * cancellation, and the job stayed `running` until its lease lapsed (one in seven cancels under
 * load).
 */
export function createHeartbeat(context: PostgresContext): (leases: readonly Lease[], leaseMs: number) => Promise<LeaseStatus[]> {
  const { table, query } = context;
  // A cancel-requested row is touched (its lease kept) only so that RETURNING reports its latest state.
  const text = `WITH l AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS l(seq, token))
    UPDATE ${table} AS j SET lease_until = CASE WHEN j.cancel_requested THEN j.lease_until ELSE $3 END,
      updated_at = CASE WHEN j.cancel_requested THEN j.updated_at ELSE $4 END
    FROM l WHERE j.seq = l.seq AND j.token = l.token AND j.state = 'running'
    RETURNING j.token, CASE WHEN j.cancel_requested THEN 'cancelled' ELSE 'held' END AS status`;

  return async function heartbeat(leases, leaseMs) {
    if (leases.length === 0) return [];
    const now = context.now();
    const { rows } = await query<{ token: string; status: LeaseStatus }>(
      text,
      [leases.map((lease) => tokenSeq(lease.token)), leases.map((lease) => lease.token), now + leaseMs, now],
      `errand-heartbeat-${context.schema}`,
    );
    const byToken = new Map(rows.map((row) => [row.token, row.status]));
    return leases.map((lease) => byToken.get(lease.token) ?? 'lost');
  };
}
