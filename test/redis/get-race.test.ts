import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import type { ClaimedJob } from '../../src/jobs/backend.js';
import type { JobRecord, NewJob } from '../../src/jobs/job.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';

const redisUp = await redisAvailable();
const prefix = uniqueRedisPrefix('get-race');
const jobs = 200;

afterAll(async () => {
  if (redisUp) await deleteRedisPrefix(prefix);
});

/**
 * get() reads a job's state and its hash in two round trips. The reference service's e2e test once
 * saw "succeeded" with a null result: the hash had been read before the completion and the state
 * after it. Here a reader process-alike (its own backend, its own connection) polls every job while
 * the writer completes them at staggered moments, so many reads straddle a completion.
 */
describe.skipIf(!redisUp)('redis get() while jobs complete', () => {
  it('never answers succeeded without the stored result', async () => {
    const writer = createRedisBackend({ url: testRedisUrl, prefix });
    const reader = createRedisBackend({ url: testRedisUrl, prefix });
    try {
      const now = Date.now();
      const fresh: NewJob[] = Array.from({ length: jobs }, (_, n) => ({ id: `race-${n}`, task: 'race', payload: n, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }));
      await writer.enqueue(fresh);
      const claimed: ClaimedJob[] = [];
      while (claimed.length < jobs) {
        const batch = await writer.claim({ workerId: 'race', tasks: ['race'], limit: jobs - claimed.length, leaseMs: 30_000, waitMs: 0 });
        expect(batch.length).toBeGreaterThan(0);
        claimed.push(...batch);
      }
      const seen: JobRecord[] = [];
      let completing = true;
      // Polls every job over and over while the writer completes them, then once more after.
      const poll = async (): Promise<void> => {
        for (let more = true; more; ) {
          more = completing;
          for (let n = 0; n < jobs; n += 20) {
            const records = await Promise.all(Array.from({ length: 20 }, (_, i) => reader.get(`race-${n + i}`)));
            for (const record of records) if (record !== undefined) seen.push(record);
          }
        }
      };
      const readers = [poll(), poll()];
      // Completions one at a time, each after a short random pause, so they land inside reads.
      for (const job of claimed) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
        await writer.complete(job, { n: job.payload });
      }
      completing = false;
      await Promise.all(readers);

      const succeeded = seen.filter((record) => record.state === 'succeeded');
      expect(succeeded.length).toBeGreaterThan(jobs / 2);
      const withoutResult = succeeded.filter((record) => record.result === undefined || record.result === null);
      expect(withoutResult.map((record) => record.id)).toEqual([]);
      for (const record of succeeded) expect(record.result).toEqual({ n: record.payload });
      // Every job ends succeeded with its result.
      const finals = await Promise.all(claimed.map((job) => reader.get(job.jobId)));
      expect(finals.every((record) => record?.state === 'succeeded' && (record.result as { n: number }).n === record.payload)).toBe(true);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
