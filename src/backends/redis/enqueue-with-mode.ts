import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { decideDedupe, type KeyHolder } from '../../jobs/dedupe.js';
import type { EnqueueResult, JobRecord, NewJob } from '../../jobs/job.js';

/** What {@link enqueueWithMode} needs of the backend, for the task of the job. */
export interface ModeEnqueueContext {
  client: Redis;
  /** The BullMQ queue of the job's task (BullMQ keeps a deduplication key per queue). */
  queue: Queue;
  /** Key of the per-key lock that serialises enqueues of one key with a mode, across processes. */
  lockKey: string;
  /** Reads a job of this task, as `backend.get` does. */
  read(id: string): Promise<JobRecord | undefined>;
  /** Adds the job through BullMQ with its deduplication id (`bullJobOptions`). */
  add(job: NewJob): Promise<EnqueueResult>;
  /**
   * Moves the delayed job `holder` (holding the key of `job`) to fall due at exactly `runAt`
   * (reschedule-delayed.ts); a job of a fair-queue group is held for its group's turn past it
   * (fair-groups.ts, `delayHeld`). A job no longer delayed keeps its time.
   */
  moveDelayed(holder: { id: string; createdAt: number; priority: number }, job: NewJob, runAt: number): Promise<void>;
}

/** Longest a lock may be held: a process that died holding it delays the key's enqueues this long at most. */
const lockMs = 10_000;
const release = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

async function withLock<T>(client: Redis, key: string, work: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  // The backend bounds the whole call (commandTimeoutMs), so this waits no longer than that.
  for (let wait = 2; (await client.set(key, token, 'PX', lockMs, 'NX')) !== 'OK'; wait = Math.min(wait * 2, 50)) {
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  try {
    return await work();
  } finally {
    await client.eval(release, 1, key, token);
  }
}

function holderOf(record: JobRecord | undefined): KeyHolder[] {
  if (record === undefined || ['succeeded', 'dead', 'cancelled'].includes(record.state)) return [];
  const started = record.state === 'running' || record.startedAt !== undefined || record.attempts > 0;
  return [{ id: record.id, started, runAt: record.runAt, createdAt: record.createdAt }];
}

/**
 * Stores a job whose key has a mode other than `'active'` (`queued`, `replace`, debounce) with
 * BullMQ's public API, under a lock of the key (SET NX PX, released by a compare-and-delete), so
 * enqueues of one key in several processes take turns:
 * - the holder is the job BullMQ's deduplication id points at ({@link Queue.getDeduplicationJobId});
 * - a holder that started is let go (`removeDeduplicationKey`) before the new job is added, so the
 *   new job holds the key while the started one finishes;
 * - `replace` and debounce write the payload with `updateData` (and move a delayed job with
 *   an add that reschedules it, reschedule-delayed.ts). A claim does not take the lock: when the holder turns out to have started by the
 *   time the payload was written, its worker may have read the old one, so the job is added anew:
 *   the last payload runs at least once.
 */
export async function enqueueWithMode(context: ModeEnqueueContext, job: NewJob): Promise<EnqueueResult> {
  const key = job.key;
  if (key === undefined) return context.add(job);
  return withLock(context.client, context.lockKey, async () => {
    const holderId = await context.queue.getDeduplicationJobId(key);
    const holders = holderId === null ? [] : holderOf(await context.read(holderId));
    const now = Date.now();
    const decision = decideDedupe(job, holders, now);
    if (decision.action === 'drop') return { id: decision.id, created: false };
    if (decision.action === 'replace') {
      const bullJob = await context.queue.getJob(decision.id);
      if (bullJob !== undefined) {
        await bullJob.updateData(job.payload);
        // Only a delayed job moves, to exactly the time decided; one promoted meanwhile is due, and keeps its time.
        if (decision.runAt !== holders[0]?.runAt) await context.moveDelayed({ id: decision.id, createdAt: bullJob.timestamp, priority: bullJob.priority }, job, decision.runAt);
        const stillWaiting = holderOf(await context.read(decision.id)).some((holder) => !holder.started);
        if (stillWaiting) return { id: decision.id, created: false, replaced: true };
      }
    }
    if (holderId !== null) await context.queue.removeDeduplicationKey(key);
    return context.add(job);
  });
}
