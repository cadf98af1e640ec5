import type { FailOptions, Lease } from '../../jobs/backend.js';
import type { JobEvent } from '../../jobs/job.js';
import { heldDelayMs } from './fair-groups.js';
import { logJobEvents } from './job-log.js';
import { pinDelayedScore } from './lua-scripts.js';
import type { LeaseContext } from './lease-context.js';
import { withLease } from './lease-errors.js';
import { groupedTaskOf } from './redis-context.js';
import { RetryAtError } from './task-queues.js';

/**
 * Ends the attempt of `lease` as failed with BullMQ's fenced `moveToFailed`: retried at
 * `options.retryAt` (BullMQ's backoff is errand's decision, task-queues.ts), or dead when it is null
 * (an error named `UnrecoverableError`, so BullMQ skips its retries). The problem object is BullMQ's
 * `failedReason`, written in the same script.
 */
export async function failJob(context: LeaseContext, lease: Lease, options: FailOptions): Promise<void> {
  const { task, job } = await context.held.of(lease);
  const reason = JSON.stringify(options.error);
  const retryAt = options.retryAt;
  // A grouped job's retry waits for its group's turn, as a new job of the group does.
  const grouped = groupedTaskOf(context, task);
  const group = retryAt === null ? undefined : await context.fair.groupOf(grouped, lease.jobId);
  const error = retryAt === null ? new Error(reason) : new RetryAtError(reason, retryAt, group === undefined ? 0 : heldDelayMs);
  // BullMQ skips its retries for errors named UnrecoverableError: errand already decided "dead".
  if (retryAt === null) error.name = 'UnrecoverableError';
  error.stack = `${error.name}: ${options.error.title}`;
  const attempt = job.attemptsStarted;
  const moveToFailed = async (): Promise<void> => {
    await withLease(lease.jobId, () => job.moveToFailed(error, lease.token, false));
  };
  if (group === undefined || retryAt === null) {
    await moveToFailed();
    if (retryAt !== null) await pinDelayedScore(context.client, context.queues.queue(task).toKey('delayed'), lease.jobId, retryAt);
  } else await context.fair.holdAgain(grouped, { id: lease.jobId, group, priority: job.opts.priority ?? 0, runAt: retryAt }, moveToFailed);
  context.held.forget(lease);
  // A dead job's cancel flag ends with it; a retry's stays, so the claim of the retry ends it cancelled.
  await context.series.record([{ jobKey: context.names.jobKey(task, lease.jobId), task, outcome: 'failed', ...(retryAt === null ? { ended: lease.jobId } : { retryAt }) }]);
  const at = Date.now();
  const events: JobEvent[] = [{ at, type: 'failed', attempt, message: options.error.title }];
  events.push(retryAt === null ? { at, type: 'dead', attempt } : { at, type: 'retrying', attempt, message: new Date(retryAt).toISOString() });
  await logJobEvents(context.queues, task, lease.jobId, events);
}
