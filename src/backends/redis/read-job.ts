import type { Redis } from 'ioredis';
import { heldDelayMs } from './fair-groups.js';
import type { JobRecord, JobState } from '../../jobs/job.js';
import type { CancelledJobs } from './cancelled-jobs.js';
import { jobStateOf, toJobRecord } from './job-record.js';
import type { TaskQueues } from './task-queues.js';

/** What reading one job needs of the backend. */
export interface JobReadContext {
  client: Redis;
  queues: TaskQueues;
  cancelledJobs: CancelledJobs;
  /** The BullMQ key prefix of a task's queue (`<prefix>:<queue>.<task>:`). */
  queueKey(task: string): string;
}

/**
 * errand's due time of a job from what Redis keeps beside BullMQ's fields: while the job is in
 * BullMQ's delayed set, its score there (`dueTime * 4096 +` a tiebreak counter; a grouped job held
 * for its group's turn, fair-groups.ts, is scored {@link heldDelayMs} past its own due time: `held`);
 * out of it, errand's `errand:due`, the time errand last moved it to (a debounce, reschedule-delayed.ts;
 * a retry, redis-series.ts; a release with a runAt; a retry by hand), which BullMQ forgets once it
 * promotes the job (its `delay` field goes to 0, its options keep the first delay). Undefined: BullMQ's
 * `timestamp` and first delay say it (toJobRecord).
 */
export function dueTimeOf(delayedScore: string | null, due: string | null, now: number): { runAt: number; held: boolean } | undefined {
  if (delayedScore !== null) {
    const scoredAt = Math.floor(Number(delayedScore) / 4096);
    return scoredAt - now > heldDelayMs / 2 ? { runAt: scoredAt - heldDelayMs, held: true } : { runAt: scoredAt, held: false };
  }
  return due === null ? undefined : { runAt: Number(due), held: false };
}

/**
 * errand's state of a job in BullMQ's delayed set, from its due time ({@link dueTimeOf}): a job due
 * but not moved to wait yet (BullMQ moves it at the next claim), or a grouped job held for its group's
 * turn whose own due time passed, is ready: `queued`. Else `retrying` once it failed an attempt,
 * `delayed` before.
 */
export function delayedSetState(attemptsMade: number, dueTime: { runAt: number } | undefined, now: number): JobState {
  if (dueTime !== undefined && dueTime.runAt <= now) return 'queued';
  return attemptsMade > 0 ? 'retrying' : 'delayed';
}

/**
 * Reads job `id` of `task` as a JobRecord: from BullMQ while it lives there, else from errand's
 * cancelled-job tombstones; undefined when neither knows it.
 */
export async function readJob(context: JobReadContext, task: string | undefined, id: string): Promise<JobRecord | undefined> {
  if (task === undefined) return context.cancelledJobs.get(id);
  const queue = context.queues.queue(task);
  // State first, data second: BullMQ writes a job's result in the same script that moves it to
  // completed, so a hash read after the state is at least as new as that state. Read the other
  // way round, a completion landing between the two reads paired "succeeded" with no result.
  const bullState = await queue.getJobState(id);
  const job = await context.queues.job(task, id);
  if (job === undefined) return context.cancelledJobs.get(id);
  let state = jobStateOf(bullState, job);
  if (state === undefined) return context.cancelledJobs.get(id);
  const logs = (await queue.getJobLogs(id)).logs;
  const [group, due] = await context.client.hmget(`${context.queueKey(task)}${id}`, 'errand:group', 'errand:due');
  const delayedScore = bullState === 'delayed' ? await context.client.zscore(`${context.queueKey(task)}delayed`, id) : null;
  const now = Date.now();
  const dueTime = dueTimeOf(delayedScore, due, now);
  if (bullState === 'delayed') state = delayedSetState(job.attemptsMade, dueTime, now);
  return toJobRecord(job, state, { logs, group: group ?? undefined, ...(dueTime === undefined ? {} : { runAt: dueTime.runAt }) });
}
