import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisConformanceOptions } from '../../../test/support/redis-conformance.js';
import { describeBackendConformance } from '../../testing/conformance.js';
import { eventually } from '../../testing/conformance-helpers.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../testing/redis.js';
import { createRedisBackend } from './redis-backend.js';

// Decided once, before any test registers: skip loudly, or fail under ERRAND_REQUIRE_REDIS=1.
const redisUp = await redisAvailable();

describe.skipIf(!redisUp)('redis backend', () => {
  // BullMQ's scripts batched in one call (opt-in, `batchScripts: true`); redis-backend-per-job.test.ts
  // runs them one call per job (the default), on another vitest worker.
  describeBackendConformance('redis', redisConformanceOptions(true));

  it('leaves no running-set key of a fair group behind once its jobs ended, capped or not', async () => {
    const prefix = uniqueRedisPrefix('fair-run');
    const backend = createRedisBackend({ url: testRedisUrl, prefix });
    const client = new Redis(testRedisUrl);
    try {
      for (const groups of [{ conformance: { concurrency: 2 } }, { conformance: {} }]) {
        const now = Date.now();
        await backend.enqueue(['a', 'b', 'c', 'a', 'b', 'c'].map((group, n) => ({ id: randomUUID(), task: 'conformance', payload: n, runAt: now, priority: 0, maxAttempts: 1, createdAt: now, group })));
        const claim = () => backend.claim({ workerId: 'w', tasks: ['conformance'], limit: 10, leaseMs: 30_000, waitMs: 0, groups });
        for (let jobs = await claim(); jobs.length > 0; jobs = await claim()) for (const job of jobs) await backend.complete(job, null);
        // Each group's running set counted its released jobs; once they ended, the next claim drops it.
        expect(await client.keys(`${prefix}:*run:*`)).toEqual([]);
      }
    } finally {
      client.disconnect();
      await backend.close();
      await deleteRedisPrefix(prefix);
    }
  });

  it.each([true, false])('a grouped job that BullMQ\'s stalled checker moved back to wait still waits for its group\'s turn (batch scripts: %s)', async (batchScripts) => {
    const prefix = uniqueRedisPrefix('fair-stalled');
    const backend = createRedisBackend({ url: testRedisUrl, prefix, stalledIntervalMs: 100, batchScripts });
    const client = new Redis(testRedisUrl);
    try {
      const now = Date.now();
      const groups = ['a', 'a', 'b', 'b'];
      await backend.enqueue(groups.map((group) => ({ id: randomUUID(), task: 'conformance', payload: group, runAt: now, priority: 0, maxAttempts: 3, createdAt: now, group })));
      const claim = (leaseMs: number) => backend.claim({ workerId: 'w', tasks: ['conformance'], limit: 1, leaseMs, waitMs: 0, groups: { conformance: {} } });
      const [first] = await claim(150);
      const served = first?.payload;
      // No claim runs meanwhile, so errand's own take-back scan (run before each claim) does not:
      // the lapsed job reaches BullMQ's wait list the way BullMQ's stalled checker puts it there.
      await eventually(async () => expect(await client.lpos(`${prefix}:jobs.conformance:wait`, first?.jobId ?? '')).not.toBeNull());
      const order: unknown[] = [];
      for (let n = 0; n < 4; n += 1) {
        const jobs = await eventually(async () => {
          const taken = await claim(30_000);
          if (taken.length !== 1) throw new Error(`claimed ${taken.length} jobs`);
          return taken;
        });
        order.push(...jobs.map((job) => job.payload));
        // Its second attempt: the lapsed one counted, the claim that sent it back did not.
        for (const job of jobs) if (job.jobId === first?.jobId) expect(job.attempt).toBe(2);
      }
      const other = served === 'a' ? 'b' : 'a';
      expect(order).toEqual([other, served, other, served]);
    } finally {
      client.disconnect();
      await backend.close();
      await deleteRedisPrefix(prefix);
    }
  });

  it('a waiting claim returns a delayed job when it falls due, though its marker went to an earlier job', async () => {
    const prefix = uniqueRedisPrefix('due');
    const backend = createRedisBackend({ url: testRedisUrl, prefix });
    try {
      const job = (id: string, runAt: number) => ({ id, task: 'conformance', payload: id, runAt, priority: 0, maxAttempts: 1, createdAt: Date.now() });
      const claim = (waitMs: number, signal?: AbortSignal) => backend.claim({ workerId: 'w', tasks: ['conformance'], limit: 1, leaseMs: 30_000, waitMs, ...(signal === undefined ? {} : { signal }) });
      // `early` falls due unclaimed, then `late` is added: BullMQ's marker carries the earliest delayed
      // job's due time, `early`'s, and a claim that takes `early` leaves no marker for `late`.
      await backend.enqueue([job('early', Date.now() + 20)]);
      await new Promise((resolve) => setTimeout(resolve, 60));
      const lateAt = Date.now() + 300;
      await backend.enqueue([job('late', lateAt)]);
      expect((await claim(0)).map(({ jobId }) => jobId)).toEqual(['early']);
      // Before, the wait blocked on the marker in 250 ms rounds and found `late` only at the end of the
      // second one (~500 ms in): a claim cut off 180 ms after `late` fell due answered nothing.
      const cut = AbortSignal.timeout(lateAt + 180 - Date.now());
      const claimed = await claim(10_000, cut);
      expect(claimed.map(({ jobId }) => jobId)).toEqual(['late']);
    } finally {
      await backend.close();
      await deleteRedisPrefix(prefix);
    }
  });

  it('cleans up every key of its prefix', async () => {
    const prefix = uniqueRedisPrefix('cleanup');
    const backend = createRedisBackend({ url: testRedisUrl, prefix });
    const now = Date.now();
    await backend.enqueue([{ id: 'one', task: 'conformance', payload: 1, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }]);
    await backend.close();
    expect(await deleteRedisPrefix(prefix)).toBeGreaterThan(0);
    expect(await deleteRedisPrefix(prefix)).toBe(0);
  });
});
