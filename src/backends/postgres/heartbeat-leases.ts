import type { Lease, LeaseStatus } from '../../jobs/backend.js';
import { tokenSeq } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';

/**
 * Makes `heartbeat`: one statement extends every lease still held and reports the others as
 * `cancelled` (cancellation requested: the lease is left as is so the worker can abort the handler
 * and call `cancelled`) or `lost` (finished elsewhere, claimed again, removed).
 */
export function createHeartbeat(context: PostgresContext): (leases: readonly Lease[], leaseMs: number) => Promise<LeaseStatus[]> {
  const { table, query } = context;
  const text = `WITH l AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS l(seq, token)),
      extended AS (
        UPDATE ${table} AS j SET lease_until = $3, updated_at = $4 FROM l
        WHERE j.seq = l.seq AND j.token = l.token AND j.state = 'running' AND NOT j.cancel_requested
        RETURNING j.token)
    SELECT l.token, CASE WHEN e.token IS NOT NULL THEN 'held' WHEN j.state = 'running' AND j.cancel_requested THEN 'cancelled' ELSE 'lost' END AS status
    FROM l LEFT JOIN extended AS e ON e.token = l.token LEFT JOIN ${table} AS j ON j.seq = l.seq AND j.token = l.token`;

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
