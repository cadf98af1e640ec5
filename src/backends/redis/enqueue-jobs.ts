import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { bullJobOptions } from './bull-job-options.js';
import { keepDueTime, rescheduleDelayed } from './reschedule-delayed.js';
import { enqueueWithMode } from './enqueue-with-mode.js';
import { readJob } from './read-job.js';
import { groupedTaskOf, queueKeyOf, type RedisContext } from './redis-context.js';

/**
 * Stores `jobs`: a batch without dedupe modes in one BullMQ addBulk per task; a batch with modes one
 * job at a time, in order (a later job of the batch may replace an earlier one's payload).
 */
export async function enqueueJobs(context: RedisContext, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
  if (jobs.length === 0) return [];
  await context.queues.remember(jobs.map((job) => job.task));
  return jobs.some((job) => job.dedupe !== undefined) ? enqueueInOrder(context, jobs) : addJobs(context, jobs);
}

/** Adds jobs through BullMQ (one addBulk per task), its deduplication id honoured, then indexes their groups and keys. */
async function addJobs(context: RedisContext, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
  const byTask = new Map<string, number[]>();
  jobs.forEach((job, index) => {
    const indexes = byTask.get(job.task) ?? [];
    indexes.push(index);
    byTask.set(job.task, indexes);
  });
  const results: EnqueueResult[] = new Array<EnqueueResult>(jobs.length);
  await Promise.all(
    [...byTask].map(async ([task, indexes]) => {
      const batch = indexes.map((index) => jobs[index]);
      const added = await context.queues.queue(task).addBulk(batch.map((job) => ({ name: task, data: job.payload, opts: bullJobOptions(job, context.retention) })));
      added.forEach((job, position) => {
        const requested = batch[position];
        const id = job.id ?? requested.id;
        results[indexes[position]] = { id, created: id === requested.id };
      });
      // Grouped jobs were stored held: index the new ones, so fair claims release them in turns.
      const held = batch.filter((job, position) => job.group !== undefined && results[indexes[position]]?.created === true);
      if (held.length > 0) await context.fair.hold(groupedTaskOf(context, task), held);
    }),
  );
  await context.keyIndex.add(jobs.flatMap((job, index) => (job.key !== undefined && results[index].created ? [{ id: job.id, key: job.key }] : [])));
  return results;
}

/** One job at a time in order, each with its dedupe mode: see enqueue-with-mode.ts. */
async function enqueueInOrder(context: RedisContext, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = [];
  const queueKey = (task: string): string => queueKeyOf(context.names, task);
  for (const job of jobs) {
    const add = async (added: NewJob): Promise<EnqueueResult> => {
      const [result] = await addJobs(context, [added]);
      return result ?? { id: added.id, created: false };
    };
    const modeContext = {
      client: context.client,
      queue: context.queues.queue(job.task),
      lockKey: `${queueKey(job.task)}errand-dedupe-lock:${job.key ?? ''}`,
      read: (id: string) => readJob({ ...context, queueKey }, job.task, id),
      add,
      moveDelayed: (holder: { id: string; createdAt: number; priority: number }, added: NewJob, runAt: number) => moveDelayed(context, holder, added, runAt),
    };
    results.push(job.dedupe === undefined ? await add(job) : await enqueueWithMode(modeContext, job));
  }
  return results;
}

/**
 * Moves the delayed job `holder` to fall due at exactly `runAt` (reschedule-delayed.ts); a grouped one
 * stays held for its group's turn, indexed at `runAt` (fair-groups.ts). `added` is the enqueue's new job,
 * which BullMQ's reschedule stores only if the holder ended meanwhile (then taken out again).
 */
async function moveDelayed(context: RedisContext, holder: { id: string; createdAt: number; priority: number }, added: NewJob, runAt: number): Promise<void> {
  const key = added.key;
  if (key === undefined) return;
  const queue = context.queues.queue(added.task);
  const incoming = { name: added.task, data: added.payload, opts: bullJobOptions(added, context.retention) };
  const move = async (dueAt: number): Promise<boolean> => {
    const moved = await rescheduleDelayed(queue, holder, key, dueAt, incoming);
    // BullMQ forgets the new time once it promotes the job: kept for get (and the next attempt's wait time).
    if (moved) await keepDueTime(context.client, queueKeyOf(context.names, added.task), holder, dueAt, runAt);
    return moved;
  };
  if (added.group === undefined) await move(runAt);
  else await context.fair.delayHeld(groupedTaskOf(context, added.task), { id: holder.id, group: added.group, priority: holder.priority, runAt }, move);
}
