import type { Lease, LeaseStatus } from '../../jobs/backend.js';
import { renewLeasesIfHeld, type LeaseToRenew } from './lua-scripts.js';
import { queueKeyOf } from './redis-context.js';
import type { ManageContext } from './manage-jobs.js';

/**
 * A worker's heartbeat: extends every lease it still holds by `leaseMs`, in one script. Per lease:
 * 'held', 'lost' (another claim or a lapse took it, or the job is unknown) or 'cancelled' (a cancel
 * was requested while it ran).
 */
export async function renewLeases(context: Pick<ManageContext, 'client' | 'names' | 'taskOf'>, leases: readonly Lease[], leaseMs: number): Promise<LeaseStatus[]> {
  if (leases.length === 0) return [];
  const known: LeaseToRenew[] = [];
  const positions: number[] = [];
  for (const [index, lease] of leases.entries()) {
    const task = await context.taskOf(lease.jobId);
    if (task === undefined) continue;
    known.push({ lockKey: context.names.lockKey(task, lease.jobId), stalledKey: `${queueKeyOf(context.names, task)}stalled`, jobId: lease.jobId, token: lease.token });
    positions.push(index);
  }
  const statuses: LeaseStatus[] = leases.map(() => 'lost');
  if (known.length === 0) return statuses;
  const answers = await renewLeasesIfHeld(context.client, context.names.cancelRequestedKey, known, leaseMs);
  answers.forEach((answer, i) => {
    statuses[positions[i]] = answer === 2 ? 'cancelled' : answer === 1 ? 'held' : 'lost';
  });
  return statuses;
}
