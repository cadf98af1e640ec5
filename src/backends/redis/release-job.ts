import type { Lease } from '../../jobs/backend.js';
import type { HeldJob } from './claim-from-task.js';
import { heldDelayMs } from './fair-groups.js';
import { logJobEvents } from './job-log.js';
import { leaseLost, withLease } from './lease-errors.js';
import { uncountAttemptIfHeld } from './lua-scripts.js';
import { cancelJob, type ManageContext } from './manage-jobs.js';
import { groupedTaskOf, type RedisContext } from './redis-context.js';

/** Whether a cancel was requested for job `id` while it ran (its worker hears it at its next heartbeat). */
export async function cancelRequested(context: RedisContext, id: string): Promise<boolean> {
  return (await context.client.sismember(context.names.cancelRequestedKey, id)) === 1;
}

/**
 * Hands a claimed job back without counting its attempt (its worker stopping, or its rate limit
 * full), now or due at `runAt`, then calls `released`. A grouped job goes back to its group's index,
 * held, and waits for its group's turn as a new one does. The caller ends a job whose cancellation was
 * requested instead ({@link cancelRequested}): it is not handed to another worker. A cancel that
 * arrives after that check and before the move flags a job no worker runs: it is cancelled here once
 * the job is back in the queue (or by the claim that took it first, claim-from-task.ts).
 */
export async function releaseJob(context: ManageContext, { task, job }: HeldJob, lease: Lease, runAt: number | undefined, released: () => void): Promise<void> {
  const grouped = groupedTaskOf(context, task);
  const group = await context.fair.groupOf(grouped, lease.jobId);
  await withLease(lease.jobId, async () => {
    const held = await uncountAttemptIfHeld(context.client, context.names.lockKey(task, lease.jobId), context.names.jobKey(task, lease.jobId), lease.token);
    if (!held) throw leaseLost(lease.jobId);
    // BullMQ forgets a delayed job's time once it promotes it: errand keeps it, as a retry's (redis-series.ts), for get.
    if (runAt !== undefined) await context.client.hset(context.names.jobKey(task, lease.jobId), 'errand:due', String(runAt));
    const due = Math.max(runAt ?? 0, Date.now());
    if (group !== undefined) await context.fair.holdAgain(grouped, { id: lease.jobId, group, priority: job.opts.priority ?? 0, runAt: due }, () => job.moveToDelayed(due + heldDelayMs, lease.token));
    else if (runAt !== undefined && runAt > Date.now()) await job.moveToDelayed(runAt, lease.token);
    else await job.moveToWait(lease.token);
  });
  released();
  await logJobEvents(context.queues, task, lease.jobId, [{ at: Date.now(), type: 'released', attempt: job.attemptsStarted }]);
  if (await cancelRequested(context, lease.jobId)) await cancelJob(context, lease.jobId);
}
