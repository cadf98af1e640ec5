/**
 * The small, bounded time series a backend keeps for dashboards and metrics: per minute and task,
 * how many attempts succeeded and failed and a cumulative histogram of their run and wait times;
 * and per minute, a sample of the queue depth. Written as attempts end (in the same transaction or
 * script as the state change where the backend can), never by scanning jobs; minutes older than
 * {@link seriesRetentionMs} are dropped, so its size depends on time and task count, not job count.
 */

/** Upper bounds, in ms, of the run and wait time histogram buckets (the last bucket is everything above). Prometheus' `le` values, in seconds, are these / 1000. */
export const durationBoundsMs: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

/** How long minutes are kept: a day and an hour, so a full day can always be drawn. */
export const seriesRetentionMs = 25 * 60 * 60 * 1000;

/** One minute (or one bucket of several minutes) of one task. */
export interface TaskMinute {
  /** Epoch ms of the bucket's start (a multiple of the bucket width, 60 000 by default). */
  at: number;
  task: string;
  /** Attempts that succeeded in this minute. */
  succeeded: number;
  /** Attempts that failed (retried or dead, lease lapses included). */
  failed: number;
  /** Cumulative histogram of run times: `run[i]` counts attempts that ran at most `durationBoundsMs[i]`. The total is `succeeded + failed`. */
  run: number[];
  /** Sum of run times, ms. */
  runMs: number;
  /** Cumulative histogram of wait times (from when the attempt was due to when a worker claimed it). */
  wait: number[];
  /** Sum of wait times, ms. */
  waitMs: number;
}

/** A sample of the queue depth, at most one per minute: the first taken in it (workers take one a minute, see `JobBackend.sampleDepth`). */
export interface DepthSample {
  /** Epoch ms of the minute's start. */
  at: number;
  /** Jobs ready to run and not claimed. */
  queued: number;
  running: number;
}

/** What `JobBackend.series(since, bucketMs)` answers: every stored bucket from `since` on, oldest first. */
export interface JobSeries {
  minutes: TaskMinute[];
  depth: DepthSample[];
}

/** A worker as backends with liveness records know it. */
export interface WorkerInfo {
  id: string;
  /** Epoch ms of its last beat (absent only for a record an older errand wrote, until the worker's next beat). */
  lastBeatAt?: number;
  /** Epoch ms until which its last beat keeps it alive (the beat's time plus the worker's `livenessTtlMs`). */
  aliveUntil: number;
  /** Ids of the jobs it holds (running, claimed by it). */
  jobs: string[];
}

/** Start of the minute holding `at`. */
export function minuteOf(at: number): number {
  return at - (at % 60_000);
}

/** The cumulative histogram (one count per bound) of one duration. */
export function histogramOf(ms: number): number[] {
  return durationBoundsMs.map((bound) => (ms <= bound ? 1 : 0));
}

/** An empty minute of `task`. */
export function emptyMinute(at: number, task: string): TaskMinute {
  return { at, task, succeeded: 0, failed: 0, run: durationBoundsMs.map(() => 0), runMs: 0, wait: durationBoundsMs.map(() => 0), waitMs: 0 };
}

/** Adds one ended attempt to `minute`. */
export function addAttempt(minute: TaskMinute, outcome: 'succeeded' | 'failed', runMs: number, waitMs: number): void {
  minute[outcome] += 1;
  const run = Math.max(0, runMs);
  const wait = Math.max(0, waitMs);
  minute.runMs += run;
  minute.waitMs += wait;
  durationBoundsMs.forEach((bound, index) => {
    if (run <= bound) minute.run[index] += 1;
    if (wait <= bound) minute.wait[index] += 1;
  });
}

/**
 * The `q` quantile (0–1) of a cumulative histogram with `total` observations, interpolated linearly
 * inside its bucket like Prometheus' `histogram_quantile`; `null` with no observations. Above the last
 * bound it answers the last bound (the histogram cannot tell more).
 *
 * @example
 * quantile([0, 1, 2, ...], 2, 0.5) // 10
 */
export function quantile(cumulative: readonly number[], total: number, q: number): number | null {
  if (total <= 0) return null;
  const rank = q * total;
  for (let index = 0; index < durationBoundsMs.length; index += 1) {
    const count = cumulative[index] ?? 0;
    if (count >= rank) {
      const lower = index === 0 ? 0 : durationBoundsMs[index - 1];
      const below = index === 0 ? 0 : cumulative[index - 1] ?? 0;
      const inBucket = count - below;
      return inBucket <= 0 ? lower : lower + (durationBoundsMs[index] - lower) * ((rank - below) / inBucket);
    }
  }
  return durationBoundsMs[durationBoundsMs.length - 1];
}

/**
 * Sums minutes into buckets of `bucketMs` (a multiple of 60 000) starting at multiples of it, oldest
 * first, tasks in name order within a bucket: what a backend without SQL to do it answers.
 */
export function foldMinutes(minutes: readonly TaskMinute[], bucketMs: number): TaskMinute[] {
  const buckets = new Map<string, TaskMinute>();
  for (const minute of minutes) {
    const at = minute.at - (minute.at % bucketMs);
    const key = `${at}\n${minute.task}`;
    let bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, (bucket = emptyMinute(at, minute.task)));
    bucket.succeeded += minute.succeeded;
    bucket.failed += minute.failed;
    bucket.runMs += minute.runMs;
    bucket.waitMs += minute.waitMs;
    minute.run.forEach((n, i) => (bucket.run[i] += n));
    minute.wait.forEach((n, i) => (bucket.wait[i] += n));
  }
  return [...buckets.values()].sort((a, b) => a.at - b.at || a.task.localeCompare(b.task));
}
