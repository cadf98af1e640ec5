import type { Metric, Registry } from 'prom-client';
import { durationBoundsMs, emptyMinute, minuteOf, seriesRetentionMs, type JobSeries, type TaskMinute } from '../jobs/job-series.js';

/** One sample line of a metric, as prom-client's registry prints it. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * Registers the dashboard's numbers as Prometheus series, read from the backend's time series (so
 * they describe the whole queue, every worker process, like the queue gauges):
 * `errand_queue_attempts_total{task,outcome}` (counter) and the histograms
 * `errand_queue_job_run_seconds{task}` and `errand_queue_job_wait_seconds{task}`, whose buckets are
 * the series' bounds ({@link durationBoundsMs} in seconds). At each scrape the minutes that ended
 * since the last one are added to running totals, so the series only grow (they restart with the
 * process, which Prometheus' `rate()` handles); the first scrape starts from the retained day. Every
 * process serving them reports the same queue: aggregate with `max`, not `sum`. An attempt is
 * counted once its minute is over (a write landing in a minute already counted is not).
 *
 * @example
 * createSeriesMetrics(registry, 'errand_', (since) => backend.series(since))
 */
export function createSeriesMetrics(registry: Registry, prefix: string, readSeries: (since: number) => Promise<JobSeries>, now: () => number = Date.now): void {
  const totals = new Map<string, TaskMinute>();
  let cursor: number | undefined;
  let reading: Promise<void> | undefined;
  let readAt = 0;

  async function advance(): Promise<void> {
    const at = now();
    const current = minuteOf(at);
    const since = cursor ?? at - seriesRetentionMs;
    if (since >= current) return;
    const series = await readSeries(since);
    for (const minute of series.minutes) {
      if (minute.at >= current) continue;
      let total = totals.get(minute.task);
      if (total === undefined) totals.set(minute.task, (total = emptyMinute(0, minute.task)));
      total.succeeded += minute.succeeded;
      total.failed += minute.failed;
      total.runMs += minute.runMs;
      total.waitMs += minute.waitMs;
      minute.run.forEach((n, i) => (total.run[i] += n));
      minute.wait.forEach((n, i) => (total.wait[i] += n));
    }
    cursor = current;
  }
  /** One read serves the three metrics of a scrape; a failed read leaves the totals as they were. */
  function refresh(): Promise<void> {
    if (reading === undefined || Math.abs(now() - readAt) > 1_000) {
      readAt = now();
      reading = advance().catch(() => undefined);
    }
    return reading;
  }

  function histogram(name: string, help: string, pick: (t: TaskMinute) => { cumulative: number[]; sumMs: number }): void {
    const metricName = `${prefix}${name}`;
    register(registry, metricName, help, 'histogram', async () => {
      await refresh();
      const values: Sample[] = [];
      for (const total of [...totals.values()].sort((a, b) => a.task.localeCompare(b.task))) {
        const { cumulative, sumMs } = pick(total);
        const count = total.succeeded + total.failed;
        durationBoundsMs.forEach((bound, i) => values.push({ metricName: `${metricName}_bucket`, labels: { task: total.task, le: bound / 1000 }, value: cumulative[i] }));
        values.push({ metricName: `${metricName}_bucket`, labels: { task: total.task, le: '+Inf' }, value: count });
        values.push({ metricName: `${metricName}_sum`, labels: { task: total.task }, value: sumMs / 1000 });
        values.push({ metricName: `${metricName}_count`, labels: { task: total.task }, value: count });
      }
      return values;
    });
  }

  register(registry, `${prefix}queue_attempts_total`, 'Job attempts that ended in the whole queue, by task and outcome (succeeded, failed), from the backend time series.', 'counter', async () => {
    await refresh();
    return [...totals.values()].flatMap((t) => [
      { labels: { task: t.task, outcome: 'succeeded' }, value: t.succeeded },
      { labels: { task: t.task, outcome: 'failed' }, value: t.failed },
    ]);
  });
  histogram('queue_job_run_seconds', 'Run time of job attempts in the whole queue (claim to end), by task, from the backend time series.', (t) => ({ cumulative: t.run, sumMs: t.runMs }));
  histogram('queue_job_wait_seconds', 'Wait time of job attempts in the whole queue (due to claimed), by task, from the backend time series.', (t) => ({ cumulative: t.wait, sumMs: t.waitMs }));
}

/** Registers a metric whose samples are computed at each scrape (prom-client prints what `get` answers). */
function register(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Promise<Sample[]>): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'max',
    async get() {
      return { name, help, type, values: await samples(), aggregator: 'max' };
    },
  };
  // prom-client's registry only reads these members; its Metric type is a class this object is not.
  registry.registerMetric(metric as unknown as Metric);
}
