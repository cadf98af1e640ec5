import type { Job } from 'bullmq';
import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { dropCancelFlags } from './cancel-flags.js';
import { encodeEvent, problemFromFailedReason, toJobRecord } from './job-record.js';
import { logJobEvents } from './job-log.js';
import { groupedTaskOf, type RedisContext } from './redis-context.js';
import { retryIntoGroup } from './retry-grouped.js';

/** What the dashboard's and CLI's job actions need beyond the shared context. */
export interface ManageContext extends RedisContext {
  /** The task of job `id` (held by this process, else looked up), undefined when unknown. */
  taskOf(id: string): Promise<string | undefined>;
  enqueue(jobs: readonly NewJob[]): Promise<EnqueueResult[]>;
}

/**
 * Moves a finished BullMQ job out of BullMQ into the cancelled records (BullMQ has no cancelled
 * state), and forgets the cancel request that led there.
 */
export async function toTombstone(context: RedisContext, task: string, id: string): Promise<void> {
  const job = await context.queues.job(task, id);
  if (job === undefined) return;
  const logs = (await context.queues.queue(task).getJobLogs(id)).logs;
  const now = Date.now();
  const group = await context.fair.groupOf(groupedTaskOf(context, task), id);
  const record = toJobRecord(job, 'cancelled', { logs: [...logs, encodeEvent({ at: now, type: 'cancelled' })], group });
  record.finishedAt = now;
  record.updatedAt = now;
  await context.cancelledJobs.save(record);
  await context.queues.queue(task).remove(id);
  await dropCancelFlags(context.client, context.names.cancelRequestedKey, [id]);
}

/**
 * Cancels job `id`: a waiting one becomes a tombstone at once; a running one is flagged, and its
 * worker hears it at its next heartbeat. False for a finished or unknown job. The flag is set first,
 * before the job's state is read: from then on whatever happens to the job ends it cancelled (a claim
 * that takes it, a release that puts it back, its heartbeat: cancel-flags.ts), so a cancel racing a
 * release or a claim cannot miss it. A job found finished had nothing to cancel: its flag goes.
 */
export async function cancelJob(context: ManageContext, id: string): Promise<boolean> {
  const task = await context.taskOf(id);
  if (task === undefined) return false;
  await context.client.sadd(context.names.cancelRequestedKey, id);
  const job = await context.queues.job(task, id);
  const state = job === undefined ? 'unknown' : await job.getState();
  if (job === undefined || state === 'completed' || state === 'failed' || state === 'unknown') {
    await dropCancelFlags(context.client, context.names.cancelRequestedKey, [id]);
    // Ended cancelled since it was located (a release or a claim that saw this flag): this cancel did it.
    if (state === 'completed') return false;
    // Read again after the state (the first read may predate the move to failed); the tombstone is
    // written before the job is removed.
    const ended = await context.queues.job(task, id);
    if (problemFromFailedReason(ended?.failedReason)?.code === 'ERRAND_JOB_CANCELLED') return true;
    return (await context.cancelledJobs.get(id)) !== undefined;
  }
  if (state !== 'active') await cancelWaiting(context, task, job);
  return true;
}

/**
 * Ends a job that is not running as a cancelled tombstone: the record first (so a read never finds
 * neither), then BullMQ's remove, which refuses a locked job. One claimed meanwhile saw its flag and
 * is ended cancelled by that claim, which writes its own record: this one is taken back, unless it
 * was overwritten since, or the job is gone (another cancel removed it).
 */
async function cancelWaiting(context: ManageContext, task: string, job: Job): Promise<void> {
  const id = job.id ?? '';
  const group = await context.fair.groupOf(groupedTaskOf(context, task), id);
  const record = toJobRecord(job, 'cancelled', { logs: (await context.queues.queue(task).getJobLogs(id)).logs, group });
  record.finishedAt = record.updatedAt = Date.now();
  record.history.push({ at: record.finishedAt, type: 'cancelled' });
  const saved = await context.cancelledJobs.save(record);
  if ((await context.queues.queue(task).remove(id)) === 1) await dropCancelFlags(context.client, context.names.cancelRequestedKey, [id]);
  else if ((await context.queues.job(task, id)) !== undefined) await context.cancelledJobs.deleteIfUnchanged(id, saved);
}

/** Runs a dead or cancelled job again under the same id, its attempts counted afresh. */
export async function retryJob(context: ManageContext, id: string): Promise<boolean> {
  const tombstone = await context.cancelledJobs.get(id);
  if (tombstone !== undefined) {
    const now = Date.now();
    const fresh: NewJob = { id, task: tombstone.task, payload: tombstone.payload, runAt: now, priority: tombstone.priority, maxAttempts: tombstone.maxAttempts, createdAt: now };
    if (tombstone.key !== undefined) fresh.key = tombstone.key;
    // Back in its group, held for its group's turn (a tombstone written before groups were kept has none).
    if (tombstone.group !== undefined) fresh.group = tombstone.group;
    await context.cancelledJobs.delete(id);
    await context.enqueue([fresh]);
    await logJobEvents(context.queues, tombstone.task, id, [{ at: now, type: 'retried' }]);
    return true;
  }
  const task = await context.taskOf(id);
  const job = task === undefined ? undefined : await context.queues.job(task, id);
  if (task === undefined || job === undefined || (await job.getState()) !== 'failed') return false;
  const group = await context.fair.groupOf(groupedTaskOf(context, task), id);
  if (group !== undefined) {
    if (!(await retryIntoGroup(context, task, job, group))) return false;
    await logJobEvents(context.queues, task, id, [{ at: Date.now(), type: 'retried' }]);
    return true;
  }
  // A flag left by a cancel that lost to the job's end would cancel the retry at its claim.
  await dropCancelFlags(context.client, context.names.cancelRequestedKey, [id]);
  await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  // Due now: BullMQ's fields still say its first due time, errand's its last retry's (read-job.ts).
  await context.client.multi().hdel(context.names.jobKey(task, id), 'errand:lapsed').hset(context.names.jobKey(task, id), 'errand:due', String(Date.now())).exec();
  await logJobEvents(context.queues, task, id, [{ at: Date.now(), type: 'retried' }]);
  return true;
}

/** Deletes job `id` (a tombstone, or a job BullMQ will let go of: not a locked one). */
export async function removeJob(context: ManageContext, id: string): Promise<boolean> {
  if (await context.cancelledJobs.delete(id)) return true;
  const task = await context.taskOf(id);
  if (task === undefined) return false;
  if ((await context.queues.queue(task).remove(id)) !== 1) return false;
  await dropCancelFlags(context.client, context.names.cancelRequestedKey, [id]);
  return true;
}

/** Deletes finished jobs past their retention at `now`; answers how many. */
export async function pruneJobs(context: RedisContext, now: number): Promise<number> {
  let removed = 0;
  for (const task of await context.queues.allTasks()) {
    const queue = context.queues.queue(task);
    // clean() removes jobs finished before Date.now() - grace; shift grace so the cutoff is `now - retention`.
    removed += (await queue.clean(Date.now() - (now - context.retention.succeededMs), 0, 'completed')).length;
    removed += (await queue.clean(Date.now() - (now - context.retention.deadMs), 0, 'failed')).length;
  }
  removed += await context.cancelledJobs.prune(now - context.retention.cancelledMs);
  return removed;
}
