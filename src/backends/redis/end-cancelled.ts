import type { Lease } from '../../jobs/backend.js';
import type { LeaseContext } from './lease-context.js';
import { withLease } from './lease-errors.js';
import { toTombstone } from './manage-jobs.js';

/**
 * Ends the job of `lease` cancelled (its cancel was requested while it ran, or before a claim or a
 * release handed it on): a fenced `moveToFailed` with an error BullMQ does not retry, then the record
 * moves to errand's cancelled keys (BullMQ has no cancelled state, manage-jobs.ts).
 */
export async function endCancelled(context: LeaseContext, lease: Lease): Promise<void> {
  const { task, job } = await context.held.of(lease);
  const stop = new Error(JSON.stringify({ type: 'about:blank', title: 'Job cancelled', status: 409, code: 'ERRAND_JOB_CANCELLED' }));
  stop.name = 'UnrecoverableError';
  await withLease(lease.jobId, () => job.moveToFailed(stop, lease.token, false));
  context.held.forget(lease);
  await toTombstone(context, task, lease.jobId);
}
