import type { Job } from 'bullmq';
import type { JobPage, ListOptions, QueueStats } from '../../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../../jobs/job.js';
import type { CancelledJobs } from './cancelled-jobs.js';
import { jobStateOf, toJobRecord, type BullState } from './job-record.js';
import { taskQueueStats } from './lua-scripts.js';
import type { TaskQueues } from './task-queues.js';

/** BullMQ sets that hold jobs in each errand state (cancelled jobs live outside BullMQ). */
type ListedState = Exclude<BullState, 'unknown'>;

const bullTypes: Record<Exclude<JobState, 'cancelled'>, ListedState[]> = {
  queued: ['waiting', 'prioritized', 'waiting-children'],
  delayed: ['delayed'],
  retrying: ['delayed'],
  running: ['active'],
  succeeded: ['completed'],
  dead: ['failed'],
};

const allBullTypes: ListedState[] = ['waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed'];

/** The state of a job that came out of a listing of `types` (no extra round trip). */
async function stateInListing(job: Job, types: readonly BullState[]): Promise<JobState | undefined> {
  if (types.length === 1) return jobStateOf(types[0] ?? 'unknown', job);
  return jobStateOf((await job.getState()), job);
}

/**
 * Lists jobs newest first across every task queue. Each BullMQ set can only be paged by its own order,
 * so this reads `offset + limit` jobs from each set, merges them by creation time and cuts the page:
 * cheap for dashboard pages, not meant for deep offsets. `delayed` and `retrying` share BullMQ's
 * delayed set and are told apart in memory.
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
    const splitDelayed = wanted === 'delayed' || wanted === 'retrying';
    for (const task of tasks) {
      const queue = queues.queue(task);
      const end = splitDelayed ? -1 : offset + limit - 1;
      // With several types, BullMQ pages each set separately; one call per type keeps the state known.
      for (const type of types) {
        const jobs = await queue.getJobs([type], 0, end, false);
        for (const job of jobs) {
          const state = await stateInListing(job, [type]);
          if (state === undefined || (splitDelayed && state !== wanted)) continue;
          records.push(toJobRecord(job, state));
        }
        if (!splitDelayed) total += await queue.getJobCountByTypes(type);
      }
    }
    if (splitDelayed) total += records.length;
  }
  records.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const page = records.slice(offset, offset + limit);
  await addGroups(queues, page);
  return { jobs: page, total };
}

/** Sets the fair-queue group of the page's live jobs (kept in their BullMQ hash; tombstones carry theirs): one pipeline. */
async function addGroups(queues: TaskQueues, page: readonly JobRecord[]): Promise<void> {
  const live = page.filter((record) => record.state !== 'cancelled');
  if (live.length === 0) return;
  const pipeline = queues.client.pipeline();
  for (const record of live) pipeline.hget(queues.queue(record.task).toKey(record.id), 'errand:group');
  const groups = (await pipeline.exec()) ?? [];
  live.forEach((record, index) => {
    const [error, group] = groups[index] ?? [null, null];
    if (error === null && typeof group === 'string') record.group = group;
  });
}

function emptyCounts(): Record<JobState, number> {
  return Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
}

/** Counts jobs per state and task: BullMQ's counts, split delayed/retrying by a script, plus tombstones. */
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
      queued: (raw.waiting ?? 0) + (raw.prioritized ?? 0) + (raw['waiting-children'] ?? 0),
      delayed: delayedTotal - extra.retrying,
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
