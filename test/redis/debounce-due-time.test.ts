import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { rescheduleDelayed } from '../../src/backends/redis/reschedule-delayed.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import type { NewJob } from '../../src/jobs/job.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';

/**
 * A debounce moves the job already holding its key to a later due time, capped at maxDelayMs after
 * the burst's first enqueue. BullMQ's `changeDelay(ms)` counts `ms` from its own reading of the clock,
 * taken an await after errand's: when the millisecond ticked in between, the job fell due 1 ms past
 * its cap (seen in CI on Node 26; about 3 runs in 1,000 on the shared machine). These tests hold the
 * stored due time (BullMQ's delayed-set score, which `get` reads and BullMQ promotes by) to exactly
 * the decided one.
 */
const redisUp = await redisAvailable();
const backends: JobBackend[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const backend of backends.splice(0)) await backend.close();
  for (const prefix of prefixes.splice(0)) await deleteRedisPrefix(prefix);
});

function backend(): JobBackend {
  const prefix = uniqueRedisPrefix('debounce-due');
  prefixes.push(prefix);
  const made = createRedisBackend({ url: testRedisUrl, prefix });
  backends.push(made);
  return made;
}

/** A burst that began 80 s ago and is due in 5 s: with maxDelayMs 90 s, the next enqueue moves it to exactly 10 s from now. */
async function cappedBurst(target: JobBackend, key: string, group: string | undefined): Promise<{ id: string; cap: number }> {
  const createdAt = Date.now() - 80_000;
  const dedupe = { mode: 'debounce' as const, delayMs: 60_000, maxDelayMs: 90_000 };
  const first: NewJob = { id: randomUUID(), task: 'debounced', payload: { v: 1 }, runAt: Date.now() + 5_000, priority: 0, maxAttempts: 1, createdAt, key, dedupe };
  if (group !== undefined) first.group = group;
  await target.enqueue([first]);
  const now = Date.now();
  expect(await target.enqueue([{ ...first, id: randomUUID(), payload: { v: 2 }, runAt: now + 60_000, createdAt: now }])).toEqual([{ id: first.id, created: false, replaced: true }]);
  return { id: first.id, cap: createdAt + 90_000 };
}

describe.skipIf(!redisUp)('redis debounce: a moved job falls due at exactly the time decided', () => {
  for (const group of [undefined, 'g']) {
    const kind = group === undefined ? 'a plain job' : 'a job of a fair-queue group';

    it(`${kind}: exact even when the clock ticks between every two readings of it`, async () => {
      const target = backend();
      // Every reading of the clock, errand's and BullMQ's, is a millisecond after the one before.
      const realNow = Date.now.bind(Date);
      let ticks = 0;
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ticks++);
      const { id, cap } = await cappedBurst(target, 'tick', group);
      expect(await target.get(id)).toMatchObject({ runAt: cap, payload: { v: 2 }, state: 'delayed' });
    });

    it(`${kind}: exact in 300 bursts on the real clock`, async () => {
      const target = backend();
      const late: number[] = [];
      for (let n = 0; n < 300; n += 1) {
        const { id, cap } = await cappedBurst(target, `burst-${n}`, group);
        const runAt = (await target.get(id))?.runAt;
        if (runAt !== cap) late.push((runAt ?? Number.NaN) - cap);
      }
      expect(late).toEqual([]);
    });
  }

  it('a reschedule that finds the key free stores nothing and answers false', async () => {
    const prefix = uniqueRedisPrefix('reschedule-free');
    prefixes.push(prefix);
    const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('q', { connection, prefix });
    try {
      const incoming = { name: 'q', data: { v: 2 }, opts: { jobId: 'incoming' } };
      // The holder ended before the move: nothing holds the key, so BullMQ's add stores `incoming`.
      expect(await rescheduleDelayed(queue, { id: 'gone', createdAt: Date.now() }, 'free', Date.now() + 60_000, incoming)).toBe(false);
      expect(await queue.getJob('incoming')).toBeUndefined();
      expect(await queue.getDeduplicationJobId('free')).toBeNull();
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
