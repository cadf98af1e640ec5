import { afterEach, describe, expect, it } from 'vitest';
import type { JobBackend } from '../jobs/backend.js';
import { defineTask } from '../jobs/define-task.js';
import { createWorker, type Worker } from '../jobs/worker.js';
import { backendsFor, claim, claimOne, eventually, newJob, sleep, type ConformanceOptions } from './conformance-helpers.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Rate limits: the shared counter, release to a later time without using an attempt, and the worker gate. */
export function describeRateLimits(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe('rate limits', () => {
    const workers: Worker[] = [];
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 2_000 })));
    });

    it('counts starts per bucket and fixed window, atomically: of concurrent takes exactly `limit` are allowed, the rest spread over the next windows', async () => {
      const backend = await makeBackend();
      const take = backend.takeRateToken?.bind(backend);
      if (take === undefined) throw new Error('the backend keeps no rate-limit counters');
      // An hour-long window: the concurrent takes below fall in one window (a backend may count by its own clock, as Postgres does).
      const windowMs = 3_600_000;
      const answers = await Promise.all(Array.from({ length: 10 }, () => take('send-mail', 3, windowMs, Date.now())));
      expect(answers.filter((answer) => answer === null)).toHaveLength(3);
      const later = answers.filter((answer) => answer !== null).sort((a, b) => (a ?? 0) - (b ?? 0));
      const next = later[0] ?? 0;
      expect(next % windowMs).toBe(0);
      expect(next).toBeGreaterThan(Date.now() - windowMs);
      expect(later).toEqual([0, 0, 0, 1, 1, 1, 2].map((n) => next + n * windowMs));
      // Buckets are independent.
      expect(await take('send-mail:tenant-b', 3, windowMs, Date.now())).toBeNull();
    });

    it('starts counting from zero in the next window', async () => {
      const backend = await makeBackend();
      const take = backend.takeRateToken?.bind(backend);
      if (take === undefined) throw new Error('the backend keeps no rate-limit counters');
      const windowMs = 300;
      await eventually(async () => expect(await take('burst', 1, windowMs, Date.now())).toBeNull());
      const retryAt = await take('burst', 1, windowMs, Date.now());
      if (retryAt === null) return; // the two takes straddled a window boundary: nothing to check (rare)
      await sleep(Math.max(0, retryAt - Date.now()) + 20);
      expect(await take('burst', 1, windowMs, Date.now())).toBeNull();
    });

    it('a start whose clock reading is behind a window already counted in is counted in that window, without reopening it', async () => {
      const backend = await makeBackend();
      const take = backend.takeRateToken?.bind(backend);
      if (take === undefined) throw new Error('the backend keeps no rate-limit counters');
      // A process read the clock, was descheduled, and asks after another has counted in the next window.
      const windowMs = 3_600_000;
      const current = Math.floor(Date.now() / windowMs) * windowMs;
      expect(await take('late-reader', 2, windowMs, current + 10)).toBeNull();
      expect(await take('late-reader', 2, windowMs, current + 20)).toBeNull();
      expect(await take('late-reader', 2, windowMs, current - 10)).toBe(current + windowMs);
      expect(await take('late-reader', 2, windowMs, current + 30)).toBe(current + windowMs);
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
      const allowed: string[] = [];
      let denied = 0;
      const intervalMs = 1_000;
      // The same backend, recording what the shared counter allowed.
      const backend: JobBackend = {
        ...inner,
        async takeRateToken(bucket, limit, windowMs, now) {
          const answer = await take(bucket, limit, windowMs, now);
          if (answer === null) allowed.push(bucket);
          else denied += 1;
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
      // Tenant a: 5 jobs at 2 per window are granted 5 times (the per-window count is pinned above);
      // tenant b once. Each refused take sent its job back to wait, as a job:rate-limited, and used
      // no attempt (attempts: 1 above). How many takes were refused depends on where the windows
      // fall between the claims (3 when all five are claimed inside one window, 1 when the claims
      // straddle a window's end: seen in CI), so it is counted, not assumed.
      expect(allowed.filter((bucket) => bucket === 'conformance:a')).toHaveLength(5);
      expect(allowed.filter((bucket) => bucket === 'conformance:b')).toHaveLength(1);
      expect(rateLimited).toBe(denied);
    });
  });
}
