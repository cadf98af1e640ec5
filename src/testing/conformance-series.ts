import { describe, expect, it } from 'vitest';
import { durationBoundsMs, minuteOf, type JobSeries, type TaskMinute } from '../jobs/job-series.js';
import { backendsFor, claimOne, newJob, testProblem, type ConformanceOptions } from './conformance-helpers.js';

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

    it('finds jobs by dedupe key, newest first, finished ones too', async (context) => {
      const backend = await makeBackend();
      if (backend.findByKey === undefined) return context.skip('the backend has no search by key (findByKey() is optional; Redis lacks it)');
      const first = newJob({ key: 'invoice:7' });
      await backend.enqueue([first, newJob({ key: 'invoice:8' })]);
      const lease = await claimOne(backend, { limit: 1 });
      await backend.complete(lease, null);
      const second = newJob({ key: 'invoice:7' });
      await backend.enqueue([second]);
      expect((await backend.findByKey('invoice:7')).map((job) => job.id)).toEqual([second.id, first.id]);
      expect(await backend.findByKey('nope')).toEqual([]);
    });

    it('keeps a queue depth sample for the minute in which stats() ran', async (context) => {
      const backend = await makeBackend();
      if (backend.series === undefined) return context.skip('the backend keeps no time series (series() is optional in the contract)');
      const since = minuteOf(Date.now());
      await backend.enqueue([newJob(), newJob(), newJob()]);
      await claimOne(backend);
      await backend.stats();
      const { depth } = await backend.series(since);
      expect(depth.at(-1)).toMatchObject({ queued: 2, running: 1 });
    });
  });
}
