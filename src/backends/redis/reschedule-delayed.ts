import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

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

/**
 * KEYS: delayed set, job hash. ARGV: job id, the due time its delayed score says once moved, errand's
 * due time. Writes errand's due time (`errand:due`) while the job is still delayed at that score.
 */
const keepDue = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or math.floor(tonumber(score) / 4096) ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], 'errand:due', ARGV[3])
return 1`;

/**
 * Keeps the time a delayed job was moved to ({@link rescheduleDelayed}, `scoredAt` its score's time:
 * a grouped job's is held past `runAt`, fair-groups.ts) in the job's hash, as `errand:due` (the field a
 * failed attempt's retry time is kept in too, redis-series.ts). BullMQ forgets it once the job leaves
 * the delayed set: its promotion sets the hash's `delay` to 0 and its options still say the first
 * delay, so without it `get` answered the job's first due time again once it waited or ran.
 *
 * Written after the move, only while the job is still delayed at the moved time: a claim that promoted
 * it in between (it fell due at once) leaves it to its earlier time, which had passed too.
 */
export async function keepDueTime(client: Redis, queueKey: string, holder: DelayedHolder, scoredAt: number, runAt: number): Promise<boolean> {
  const at = Math.max(scoredAt, holder.createdAt);
  return (await client.eval(keepDue, 2, `${queueKey}delayed`, `${queueKey}${holder.id}`, holder.id, String(at), String(runAt))) === 1;
}
