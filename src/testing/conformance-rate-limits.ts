import { afterEach, describe, expect, it } from 'vitest';
import type { JobBackend } from '../jobs/backend.js';
import { defineTask } from '../jobs/define-task.js';
import { createWorker, type Worker } from '../jobs/worker.js';
import { backendsFor, claim, claimOne, eventually, newJob, type ConformanceOptions } from './conformance-helpers.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Rate limits: the shared counter, release to a later time without using an attempt, and the worker gate. */
export function describeRateLimits(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe('rate limits', () => {
    const workers: Worker[] = [];
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 2_000 })));
    });

    it('counts starts per bucket and fixed window, atomically: of concurrent takes exactly `limit` are allowed', async () => {
      const backend = await makeBackend();
      const take = backend.takeRateToken?.bind(backend);
      if (take === undefined) throw new Error('the backend keeps no rate-limit counters');
      const windowMs = 60_000;
      const now = Date.UTC(2026, 0, 1, 0, 0, 30);
      const answers = await Promise.all(Array.from({ length: 10 }, () => take('send-mail', 3, windowMs, now)));
      expect(answers.filter((answer) => answer === null)).toHaveLength(3);
      expect(answers.filter((answer) => answer !== null)).toEqual(Array.from({ length: 7 }, () => Date.UTC(2026, 0, 1, 0, 1)));
      // Buckets are independent; the next window starts from zero.
      expect(await take('send-mail:tenant-b', 3, windowMs, now)).toBeNull();
      expect(await take('send-mail', 3, windowMs, now + windowMs)).toBeNull();
    });

    it('release with a runAt delays the job and gives back its attempt', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      const lease = await claimOne(backend);
      await backend.release(lease, Date.now() + 1_500);
      expect(await backend.get(job.id)).toMatchObject({ state: 'delayed', attempts: 0 });
      expect(await claim(backend)).toEqual([]);
      const again = await eventually(() => claimOne(backend));
      expect(again.attempt).toBe(1);
    });

    it('a worker starts at most `limit` jobs of a task per window across workers, per key, and a limited job uses no attempt', async () => {
      const inner = await makeBackend();
      const take = inner.takeRateToken?.bind(inner);
      if (take === undefined) throw new Error('the backend keeps no rate-limit counters');
      const allowed: { bucket: string; window: number }[] = [];
      const intervalMs = 1_000;
      // The same backend, recording what the shared counter allowed.
      const backend: JobBackend = {
        ...inner,
        async takeRateToken(bucket, limit, windowMs, now) {
          const answer = await take(bucket, limit, windowMs, now);
          if (answer === null) allowed.push({ bucket, window: Math.floor(now / windowMs) });
          return answer;
        },
      };
      const ran: string[] = [];
      const limited = defineTask<{ tenant: string; n: number }>('conformance', { retries: 0, rateLimit: { limit: 2, intervalMs, key: ({ tenant }) => tenant }, handler: ({ tenant, n }) => void ran.push(`${tenant}${n}`) });
      const jobs = [...[1, 2, 3, 4, 5].map((n) => newJob({ payload: { tenant: 'a', n } })), newJob({ payload: { tenant: 'b', n: 1 } })];
      await backend.enqueue(jobs);
      let rateLimited = 0;
      for (let n = 0; n < 2; n += 1) {
        const worker = createWorker({ backend, tasks: [limited], concurrency: 8, pollMs: 25, pruneIntervalMs: 0, logger: quiet }).start();
        worker.on('job:rate-limited', () => (rateLimited += 1));
        workers.push(worker);
      }
      await eventually(async () => {
        for (const job of jobs) expect(await backend.get(job.id)).toMatchObject({ state: 'succeeded', attempts: 1 });
      });
      expect(ran.sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1']);
      // Tenant a: 5 jobs at 2 per window need 3 windows and wait at least 3 times; never more than 2 in one window.
      const perWindow = new Map<string, number>();
      for (const { bucket, window } of allowed) perWindow.set(`${bucket}@${window}`, (perWindow.get(`${bucket}@${window}`) ?? 0) + 1);
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(2);
      expect(allowed.filter((entry) => entry.bucket === 'conformance:a')).toHaveLength(5);
      expect(rateLimited).toBeGreaterThanOrEqual(3);
    });
  });
}
