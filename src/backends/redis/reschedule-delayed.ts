import type { JobsOptions, Queue } from 'bullmq';

/** The delayed job to move: its id and its BullMQ `timestamp` (errand's createdAt). */
export interface DelayedHolder {
  id: string;
  createdAt: number;
}

/**
 * Moves the delayed job `holder`, which holds BullMQ's deduplication id `key`, to fall due at exactly
 * `dueAt` (a debounce), with BullMQ's public API; answers whether the holder was there to move.
 *
 * BullMQ's `Job.changeDelay(ms)` is relative: its script scores the job at its own reading of the
 * clock plus `ms`, taken an await after the caller computed `ms` from its own reading, so when the
 * millisecond ticks in between the job falls due 1 ms late (a debounce then waits past its
 * `maxDelayMs`). An add with `deduplication: { id: key, reschedule: true }` instead scores the job
 * holding the key at the add's `timestamp + delay`, both given here, in one BullMQ script, and only
 * while that job is delayed (one promoted meanwhile keeps its time). With `timestamp` = the holder's
 * own, its `delay` field says its due time again, as for a job added with it.
 *
 * The add stores a job of its own only when nothing holds the key any more (the holder ended or was
 * removed since it was read); `incoming` is then a job that should have been stored anyway (the new
 * job: its id, payload and options), and it is taken out again before this answers false, for the
 * caller to store it as it stores a new job.
 */
export async function rescheduleDelayed(queue: Queue, holder: DelayedHolder, key: string, dueAt: number, incoming: { name: string; data: unknown; opts: JobsOptions }): Promise<boolean> {
  const opts: JobsOptions = { ...incoming.opts, timestamp: holder.createdAt, delay: Math.max(0, dueAt - holder.createdAt), deduplication: { id: key, reschedule: true } };
  const answered = (await queue.add(incoming.name, incoming.data, opts)).id;
  if (answered !== undefined && answered === incoming.opts.jobId) await queue.remove(answered);
  return answered === holder.id;
}
