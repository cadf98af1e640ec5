import { addAttempt, emptyMinute, foldMinutes, minuteOf, seriesRetentionMs, type DepthSample, type JobSeries, type TaskMinute } from '../../jobs/job-series.js';

/** The memory backend's time series: maps of minutes, pruned as new minutes begin. */
export interface MemorySeries {
  /** Records one ended attempt at `at`. */
  attempt(task: string, outcome: 'succeeded' | 'failed', at: number, startedAt: number, dueAt: number): void;
  /** Records the queue depth seen at `at` (the latest sample of a minute wins). */
  depth(at: number, queued: number, running: number): void;
  /** Whether the minute holding `at` has a depth sample. */
  hasDepth(at: number): boolean;
  read(since: number, bucketMs: number): JobSeries;
}

/**
 * Makes the memory backend's series: bounded by {@link seriesRetentionMs}, pruned whenever a new
 * minute starts, so it holds at most one entry per minute and task.
 */
export function createMemorySeries(): MemorySeries {
  const minutes = new Map<string, TaskMinute>();
  const depths = new Map<number, DepthSample>();
  let newest = 0;

  function prune(minute: number): void {
    if (minute <= newest) return;
    newest = minute;
    const cutoff = minute - seriesRetentionMs;
    for (const [key, entry] of minutes) if (entry.at < cutoff) minutes.delete(key);
    for (const at of depths.keys()) if (at < cutoff) depths.delete(at);
  }

  return {
    attempt(task, outcome, at, startedAt, dueAt) {
      const minute = minuteOf(at);
      prune(minute);
      const key = `${minute}\n${task}`;
      let entry = minutes.get(key);
      if (entry === undefined) minutes.set(key, (entry = emptyMinute(minute, task)));
      addAttempt(entry, outcome, at - startedAt, startedAt - dueAt);
    },
    depth(at, queued, running) {
      const minute = minuteOf(at);
      prune(minute);
      depths.set(minute, { at: minute, queued, running });
    },
    hasDepth(at) {
      return depths.has(minuteOf(at));
    },
    read(since, bucketMs) {
      const pick = <T extends { at: number }>(values: Iterable<T>): T[] =>
        [...values].filter((value) => value.at >= since).sort((a, b) => a.at - b.at).map((value) => structuredClone(value));
      return { minutes: foldMinutes(pick(minutes.values()), bucketMs), depth: pick(depths.values()) };
    },
  };
}
