import { describe, expect, it } from 'vitest';
import { durationBoundsMs, minuteOf, type JobSeries, type TaskMinute } from '../jobs/job-series.js';
import { defineTask } from '../jobs/define-task.js';
import { createWorker } from '../jobs/worker.js';
import { backendsFor, claimOne, eventually, newJob, testProblem, type ConformanceOptions } from './conformance-helpers.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Sums the minutes of one task (attempts can straddle a minute boundary). */
function totalOf(series: JobSeries, task: string): Pick<TaskMinute, 'succeeded' | 'failed' | 'run' | 'wait'> {
  const total = { succeeded: 0, failed: 0, run: durationBoundsMs.map(() => 0), wait: durationBoundsMs.map(() => 0) };
  for (const minute of series.minutes.filter((m) => m.task === task)) {
    total.succeeded += minute.succeeded;
    total.failed += minute.failed;
    minute.run.forEach((n, index) => (total.run[index] += n));
    minute.wait.forEach((n, index) => (total.wait[index] += n));
  }
  return total;
}

/** The time series behind the dashboard's charts: written as attempts end, not by reading jobs. */
export function describeSeries(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe('time series', () => {
    it('counts succeeded and failed attempts per task and minute with run and wait histograms; a released attempt is neither', async (context) => {
      const backend = await makeBackend();
      if (backend.series === undefined) return context.skip('the backend keeps no time series (series() is optional in the contract)');
      const since = minuteOf(Date.now());
      const a = newJob({ maxAttempts: 3 });
      const b = newJob({ task: 'other' });
      const c = newJob();
      await backend.enqueue([a, b, c]);
      const first = await claimOne(backend, { tasks: ['conformance'] });
      await backend.fail(first, { error: testProblem(), retryAt: Date.now() });
      const other = await claimOne(backend, { tasks: ['other'] });
      await backend.complete(other, 'ok');
      const again = await claimOne(backend, { tasks: ['conformance'] });
      await backend.complete(again, 'ok');
      const released = await claimOne(backend, { tasks: ['conformance'] });
      await backend.release(released);

      const series = await backend.series(since);
      const conformance = totalOf(series, 'conformance');
      expect(conformance).toMatchObject({ succeeded: 1, failed: 1 });
      expect(totalOf(series, 'other')).toMatchObject({ succeeded: 1, failed: 0 });
      // Cumulative: no bucket counts more attempts than there were; under a minute, the last counts all.
      expect(conformance.run.at(-1)).toBe(2);
      expect(conformance.wait.at(-1)).toBe(2);
      for (let index = 1; index < durationBoundsMs.length; index += 1) expect(conformance.run[index]).toBeGreaterThanOrEqual(conformance.run[index - 1]);
      for (const minute of series.minutes) expect(minute.at % 60_000).toBe(0);
      expect((await backend.series(Date.now() + 120_000)).minutes).toEqual([]);
    });

    it('finds jobs by dedupe key, newest first, finished ones too, and forgets removed ones', async () => {
      const backend = await makeBackend();
      const first = newJob({ key: 'invoice:7' });
      await backend.enqueue([first, newJob({ key: 'invoice:8' })]);
      const lease = await claimOne(backend, { limit: 1 });
      await backend.complete(lease, null);
      const second = newJob({ key: 'invoice:7' });
      // Deduplicated to `second` while it waits: not a third job under the key.
      await backend.enqueue([second, newJob({ key: 'invoice:7' })]);
      const found = await backend.findByKey('invoice:7');
      expect(found.map((job) => job.id)).toEqual([second.id, first.id]);
      expect(found.map((job) => job.state)).toEqual(['queued', 'succeeded']);
      expect(await backend.findByKey('nope')).toEqual([]);
      expect(await backend.remove(first.id)).toBe(true);
      expect((await backend.findByKey('invoice:7')).map((job) => job.id)).toEqual([second.id]);
    });

    it('samples the queue depth once a minute through sampleDepth: the first sample of a minute stays', async (context) => {
      const backend = await makeBackend();
      if (backend.series === undefined) return context.skip('the backend keeps no time series (series() is optional in the contract)');
      expect(typeof backend.sampleDepth, 'a backend with series() samples the depth').toBe('function');
      const minute = minuteOf(Date.now());
      await backend.enqueue([newJob(), newJob(), newJob(), newJob({ runAt: Date.now() + 60 * 60_000 })]);
      await claimOne(backend);
      await backend.sampleDepth?.();
      expect((await backend.series(minute)).depth.at(-1)).toMatchObject({ queued: 2, running: 1 });
      await backend.enqueue([newJob()]);
      await backend.sampleDepth?.();
      // Unless the minute turned meanwhile, the second call found the minute sampled and left it.
      const { depth } = await backend.series(minute);
      if (minuteOf(Date.now()) === minute) expect(depth).toEqual([{ at: minute, queued: 2, running: 1 }]);
    });

    it('a running worker samples the queue depth without anyone reading stats()', async (context) => {
      const backend = await makeBackend();
      if (backend.series === undefined) return context.skip('the backend keeps no time series (series() is optional in the contract)');
      const series = backend.series.bind(backend);
      const since = minuteOf(Date.now());
      // A task no worker here runs: it stays queued.
      await backend.enqueue([newJob({ task: 'unserved' }), newJob({ task: 'unserved' })]);
      const idle = defineTask('conformance-idle', { handler: () => undefined });
      const worker = createWorker({ backend, tasks: [idle], pollMs: 25, pruneIntervalMs: 0, liveness: false, scheduler: false, logger: quiet }).start();
      try {
        await eventually(async () => expect((await series(since)).depth.at(-1)).toMatchObject({ queued: 2, running: 0 }));
      } finally {
        await worker.stop();
      }
    });

    it('stats() is a read: it stores no depth sample (the workers do)', async (context) => {
      const backend = await makeBackend();
      if (backend.series === undefined) return context.skip('the backend keeps no time series (series() is optional in the contract)');
      const since = minuteOf(Date.now()) - 60_000;
      await backend.enqueue([newJob()]);
      await backend.stats();
      expect((await backend.series(since)).depth).toEqual([]);
    });
  });
}
