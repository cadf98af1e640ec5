import type { Lease, LeaseStatus } from '../../jobs/backend.js';
import { tokenSeq } from './leased-row.js';
import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes `heartbeat`: extends every lease still held, in one transaction, and reports the others as
 * `lost` (finished elsewhere, claimed again, removed) or `cancelled` (cancellation requested: the
 * lease is left as is so the worker can abort the handler and call `cancelled`).
 */
export function createHeartbeat(context: SqliteContext): (leases: readonly Lease[], leaseMs: number) => LeaseStatus[] {
  const { db } = context;
  const extend = db.prepare(
    `UPDATE errand_jobs SET lease_until = ?, updated_at = ? WHERE seq = ? AND id = ? AND token = ? AND state = 'running' AND cancel_requested = 0`,
  );
  const cancelRequested = db.prepareValue(`SELECT cancel_requested FROM errand_jobs WHERE seq = ? AND id = ? AND token = ? AND state = 'running'`);
  // The clock is read with the write lock held: a heartbeat that waited for it behind other
  // processes would otherwise extend each lease by that much less than leaseMs.
  const beat = db.immediate((leases: readonly Lease[], leaseMs: number): LeaseStatus[] => {
    const now = context.now();
    return leases.map((lease) => {
      const seq = tokenSeq(lease.token);
      if (extend.run(now + leaseMs, now, seq, lease.jobId, lease.token).changes === 1) return 'held';
      return cancelRequested.get(seq, lease.jobId, lease.token) === 1 ? 'cancelled' : 'lost';
    });
  });

  return function heartbeat(leases, leaseMs) {
    if (leases.length === 0) return [];
    return beat(leases, leaseMs);
  };
}
