import type { Redis } from 'ioredis';
import { heldDelayMs } from './fair-groups.js';
import type { JobRecord } from '../../jobs/job.js';
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
  let runAt: number | undefined;
  if (bullState === 'delayed') {
    // BullMQ scores delayed jobs as dueTime * 4096 + a tiebreak counter.
    const score = await context.client.zscore(`${context.queueKey(task)}delayed`, id);
    if (score !== null) runAt = Math.floor(Number(score) / 4096);
    // Due but not yet promoted: BullMQ moves it to wait at the next claim, so it is ready now.
    if (runAt !== undefined && runAt <= Date.now()) state = 'queued';
    // A grouped job held for its group's turn (new, retried or released: fair-groups.ts, holdAgain)
    // is scored heldDelayMs past its own due time, which says whether it is ready.
    const held = runAt !== undefined && runAt - Date.now() > heldDelayMs / 2 ? runAt - heldDelayMs : undefined;
    if (held !== undefined) {
      runAt = held;
      state = held <= Date.now() ? 'queued' : job.attemptsMade > 0 ? 'retrying' : 'delayed';
    }
  }
  const group = (await context.client.hget(`${context.queueKey(task)}${id}`, 'errand:group')) ?? undefined;
  return toJobRecord(job, state, { logs, group, ...(runAt === undefined ? {} : { runAt }) });
}
