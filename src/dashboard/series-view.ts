import { durationBoundsMs, minuteOf, quantile, type JobSeries } from '../jobs/job-series.js';

/** The two windows the dashboard draws. */
export type SeriesRange = 'hour' | 'day';

/** Window length and bucket width of each range. */
export const seriesRanges: Record<SeriesRange, { spanMs: number; bucketMs: number }> = {
  hour: { spanMs: 60 * 60_000, bucketMs: 60_000 },
  day: { spanMs: 24 * 60 * 60_000, bucketMs: 15 * 60_000 },
};

/** One bucket of the charts. */
export interface SeriesPoint {
  /** Epoch ms of the bucket's start. */
  at: number;
  succeeded: number;
  failed: number;
  /** The latest queue depth sample in the bucket, `null` when none was taken (no worker ran and nobody read stats then). */
  queued: number | null;
  running: number | null;
}

/** Figures of one task over the window. */
export interface TaskFigures {
  task: string;
  succeeded: number;
  failed: number;
  /** Attempts ended per minute over the window. */
  perMinute: number;
  /** Failed attempts in percent of ended attempts, `null` when none ended. */
  failurePct: number | null;
  /** Run and wait time percentiles in ms, interpolated from the histogram; `null` when none ended. */
  runP50: number | null;
  runP95: number | null;
  waitP50: number | null;
  waitP95: number | null;
  /** Attempts ended per bucket, for a sparkline. */
  spark: number[];
}

/** What `GET /api/series` answers. */
export interface SeriesView {
  range: SeriesRange;
  bucketMs: number;
  from: number;
  to: number;
  points: SeriesPoint[];
  tasks: TaskFigures[];
  /** Histogram bounds (ms) the percentiles are interpolated in. */
  boundsMs: readonly number[];
}

/**
 * Folds a backend's minutes into the buckets of `range` ending at `now`: totals per bucket for the
 * charts, and per task the rate, failure share and p50/p95 of run and wait times (summed histograms).
 *
 * @example
 * seriesView(await backend.series(Date.now() - 3_600_000), 'hour', Date.now())
 */
export function seriesView(series: JobSeries, range: SeriesRange, now: number): SeriesView {
  const { spanMs, bucketMs } = seriesRanges[range];
  // Buckets start at multiples of their width, as the backends sum them.
  const to = Math.ceil((minuteOf(now) + 60_000) / bucketMs) * bucketMs;
  const from = to - spanMs;
  const count = spanMs / bucketMs;
  const index = (at: number): number => Math.floor((at - from) / bucketMs);
  const points: SeriesPoint[] = Array.from({ length: count }, (_, i) => ({ at: from + i * bucketMs, succeeded: 0, failed: 0, queued: null, running: null }));
  const byTask = new Map<string, { succeeded: number; failed: number; run: number[]; wait: number[]; spark: number[] }>();
  for (const minute of series.minutes) {
    const i = index(minute.at);
    if (i < 0 || i >= count) continue;
    points[i].succeeded += minute.succeeded;
    points[i].failed += minute.failed;
    let task = byTask.get(minute.task);
    if (task === undefined) {
      task = { succeeded: 0, failed: 0, run: durationBoundsMs.map(() => 0), wait: durationBoundsMs.map(() => 0), spark: points.map(() => 0) };
      byTask.set(minute.task, task);
    }
    task.succeeded += minute.succeeded;
    task.failed += minute.failed;
    task.spark[i] += minute.succeeded + minute.failed;
    minute.run.forEach((n, b) => (task.run[b] += n));
    minute.wait.forEach((n, b) => (task.wait[b] += n));
  }
  for (const sample of series.depth) {
    const i = index(sample.at);
    if (i < 0 || i >= count) continue;
    // Samples come oldest first: the last one of a bucket wins.
    points[i].queued = sample.queued;
    points[i].running = sample.running;
  }
  const tasks = [...byTask].map(([task, t]): TaskFigures => {
    const total = t.succeeded + t.failed;
    return {
      task,
      succeeded: t.succeeded,
      failed: t.failed,
      perMinute: total / (spanMs / 60_000),
      failurePct: total === 0 ? null : (100 * t.failed) / total,
      runP50: quantile(t.run, total, 0.5),
      runP95: quantile(t.run, total, 0.95),
      waitP50: quantile(t.wait, total, 0.5),
      waitP95: quantile(t.wait, total, 0.95),
      spark: t.spark,
    };
  });
  tasks.sort((a, b) => a.task.localeCompare(b.task));
  return { range, bucketMs, from, to, points, tasks, boundsMs: durationBoundsMs };
}
