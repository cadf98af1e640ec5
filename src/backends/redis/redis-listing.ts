import type { Job } from 'bullmq';
import type { JobPage, ListOptions, QueueStats } from '../../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../../jobs/job.js';
import type { CancelledJobs } from './cancelled-jobs.js';
import { jobStateOf, toJobRecord, type BullState } from './job-record.js';
import { taskQueueStats } from './lua-scripts.js';
import { delayedSetState, dueTimeOf } from './read-job.js';
import type { TaskQueues } from './task-queues.js';

/** BullMQ sets that hold jobs in each errand state (cancelled jobs live outside BullMQ). */
type ListedState = Exclude<BullState, 'unknown'>;

// A due job (or a grouped job whose own due time passed) can still be in the delayed set, waiting for
// a claim to move it to wait: it is `queued` there too (delayedSetState).
const bullTypes: Record<Exclude<JobState, 'cancelled'>, ListedState[]> = {
  queued: ['waiting', 'prioritized', 'waiting-children', 'delayed'],
  delayed: ['delayed'],
  retrying: ['delayed'],
  running: ['active'],
  succeeded: ['completed'],
  dead: ['failed'],
};

const allBullTypes: ListedState[] = ['waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed'];

/** The errand states of jobs read from task `task`'s delayed set, told apart by their scores there, as get() does. */
async function delayedStates(queues: TaskQueues, task: string, jobs: readonly Job[]): Promise<JobState[]> {
  const queue = queues.queue(task);
  const pipeline = queues.client.pipeline();
  for (const job of jobs) pipeline.zscore(queue.toKey('delayed'), job.id ?? '');
  const replies = jobs.length === 0 ? [] : ((await pipeline.exec()) ?? []);
  const now = Date.now();
  return jobs.map((job, index) => {
    const [error, score] = replies[index] ?? [null, null];
    const dueTime = error === null && typeof score === 'string' ? dueTimeOf(score, null, now) : undefined;
    return delayedSetState(job.attemptsMade, dueTime, now);
  });
}

/**
 * Lists jobs newest first across every task queue. Each BullMQ set can only be paged by its own order,
 * so this reads `offset + limit` jobs from each set, merges them by creation time and cuts the page:
 * cheap for dashboard pages, not meant for deep offsets. BullMQ's delayed set holds delayed, retrying
 * and due (queued) jobs, told apart by their scores; a listing filtered by state reads it whole.
 */
export async function listJobs(queues: TaskQueues, cancelled: CancelledJobs, options: ListOptions = {}): Promise<JobPage> {
  const limit = options.limit ?? 50;
  const offset = options.offset ?? 0;
  const tasks = options.task === undefined ? await queues.allTasks() : [options.task];
  const wanted = options.state;
  const records: JobRecord[] = [];
  let total = 0;

  if (wanted === undefined || wanted === 'cancelled') {
    const tombstones = (await cancelled.all()).filter((record) => options.task === undefined || record.task === options.task);
    total += tombstones.length;
    records.push(...tombstones.slice(0, offset + limit));
  }
  if (wanted !== 'cancelled') {
    const types = wanted === undefined ? allBullTypes : bullTypes[wanted];
    for (const task of tasks) {
      const queue = queues.queue(task);
      // With several types, BullMQ pages each set separately; one call per type keeps the state known.
      for (const type of types) {
        const filtered = type === 'delayed' && wanted !== undefined;
        const jobs = await queue.getJobs([type], 0, filtered ? -1 : offset + limit - 1, false);
        const states = type === 'delayed' ? await delayedStates(queues, task, jobs) : jobs.map((job) => jobStateOf(type, job));
        jobs.forEach((job, index) => {
          const state = states[index];
          if (state === undefined || (wanted !== undefined && state !== wanted)) return;
          records.push(toJobRecord(job, state));
          if (filtered) total += 1;
        });
        if (!filtered) total += await queue.getJobCountByTypes(type);
      }
    }
  }
  records.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const page = records.slice(offset, offset + limit);
  await addErrandFields(queues, page);
  return { jobs: page, total };
}

/**
 * Sets what errand keeps beside BullMQ's fields on the page's live jobs (tombstones carry theirs), in
 * one pipeline: the fair-queue group, and the due time as `get` reads it ({@link dueTimeOf}: BullMQ's
 * own fields say only a job's first due time).
 */
async function addErrandFields(queues: TaskQueues, page: readonly JobRecord[]): Promise<void> {
  const live = page.filter((record) => record.state !== 'cancelled');
  if (live.length === 0) return;
  const pipeline = queues.client.pipeline();
  for (const record of live) {
    const queue = queues.queue(record.task);
    pipeline.hmget(queue.toKey(record.id), 'errand:group', 'errand:due');
    pipeline.zscore(queue.toKey('delayed'), record.id);
  }
  const replies = (await pipeline.exec()) ?? [];
  const now = Date.now();
  live.forEach((record, index) => {
    const [fieldsError, fields] = replies[2 * index] ?? [null, null];
    const [scoreError, score] = replies[2 * index + 1] ?? [null, null];
    if (fieldsError !== null || scoreError !== null || !Array.isArray(fields)) return;
    const [group, due] = fields as (string | null)[];
    if (typeof group === 'string') record.group = group;
    const dueTime = dueTimeOf(typeof score === 'string' ? score : null, due ?? null, now);
    if (dueTime !== undefined) record.runAt = dueTime.runAt;
  });
}

function emptyCounts(): Record<JobState, number> {
  return Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
}

/** Counts jobs per state and task: BullMQ's counts, its delayed set split into delayed, retrying and due (queued) by a script, plus tombstones. */
export async function queueStats(queues: TaskQueues, cancelled: CancelledJobs, jobKeyPrefix: (task: string) => string): Promise<QueueStats> {
  const counts = emptyCounts();
  const byTask: QueueStats['byTask'] = {};
  let oldestQueuedAt: number | undefined;
  const client = queues.client;
  for (const task of await queues.allTasks()) {
    const raw = await queues.queue(task).getJobCounts('waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed');
    const extra = await taskQueueStats(client, jobKeyPrefix(task));
    const delayedTotal = raw.delayed ?? 0;
    const taskCounts: Partial<Record<JobState, number>> = {
      queued: (raw.waiting ?? 0) + (raw.prioritized ?? 0) + (raw['waiting-children'] ?? 0) + extra.due,
      delayed: delayedTotal - extra.retrying - extra.due,
      retrying: extra.retrying,
      running: raw.active ?? 0,
      succeeded: raw.completed ?? 0,
      dead: raw.failed ?? 0,
    };
    byTask[task] = taskCounts;
    for (const [state, count] of Object.entries(taskCounts) as [JobState, number][]) counts[state] += count;
    if (extra.oldestQueuedAt !== undefined && (oldestQueuedAt === undefined || extra.oldestQueuedAt < oldestQueuedAt)) {
      oldestQueuedAt = extra.oldestQueuedAt;
    }
  }
  for (const record of await cancelled.all()) {
    counts.cancelled += 1;
    const taskCounts = (byTask[record.task] ??= {});
    taskCounts.cancelled = (taskCounts.cancelled ?? 0) + 1;
  }
  const stats: QueueStats = { counts, byTask };
  if (oldestQueuedAt !== undefined) stats.oldestQueuedAt = oldestQueuedAt;
  return stats;
}

/** Jobs ready and not claimed, and jobs running, over every task queue: BullMQ's counts of four lists, nothing else read. */
export async function queueDepth(queues: TaskQueues): Promise<{ queued: number; running: number }> {
  let queued = 0;
  let running = 0;
  for (const task of await queues.allTasks()) {
    const raw = await queues.queue(task).getJobCounts('waiting', 'prioritized', 'waiting-children', 'active');
    queued += (raw.waiting ?? 0) + (raw.prioritized ?? 0) + (raw['waiting-children'] ?? 0);
    running += raw.active ?? 0;
  }
  return { queued, running };
}
