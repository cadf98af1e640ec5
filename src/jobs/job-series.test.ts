import { describe, expect, it } from 'vitest';
import { addAttempt, durationBoundsMs, emptyMinute, foldMinutes, histogramOf, minuteOf, quantile, type TaskMinute } from './job-series.js';

/** A cumulative histogram with `counts[i]` observations in bucket i (not cumulative). */
function cumulative(counts: readonly number[]): number[] {
  let total = 0;
  return durationBoundsMs.map((_, index) => (total += counts[index] ?? 0));
}

describe('job series', () => {
  it('starts a minute on a whole minute', () => {
    expect(minuteOf(Date.UTC(2026, 0, 1, 10, 4, 59, 999))).toBe(Date.UTC(2026, 0, 1, 10, 4));
    expect(minuteOf(120_000)).toBe(120_000);
  });

  it('counts a duration in every bucket whose bound it does not exceed, bounds included', () => {
    expect(histogramOf(10)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(histogramOf(11)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(histogramOf(60_001)).toEqual(durationBoundsMs.map(() => 0));
  });

  it('adds an attempt to a minute: its outcome, both histograms (bounds included) and the sums, negative times as 0', () => {
    const minute = emptyMinute(60_000, 'mail');
    addAttempt(minute, 'succeeded', 25, 5);
    addAttempt(minute, 'failed', -3, 1_000);
    expect(minute).toEqual({
      at: 60_000,
      task: 'mail',
      succeeded: 1,
      failed: 1,
      run: [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
      runMs: 25,
      wait: [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
      waitMs: 1_005,
    });
  });

  it('answers a quantile by interpolating inside its bucket, like histogram_quantile', () => {
    expect(quantile(cumulative([]), 0, 0.5)).toBeNull();
    // Two observations in (5, 10]: the median is halfway up that bucket.
    expect(quantile(cumulative([0, 2]), 2, 0.5)).toBe(7.5);
    expect(quantile(cumulative([0, 2]), 2, 1)).toBe(10);
    // One in [0, 5], three in (100, 250]: p50 is a third of the way into (100, 250].
    expect(quantile(cumulative([1, 0, 0, 0, 0, 3]), 4, 0.5)).toBe(150);
    expect(quantile(cumulative([4]), 4, 0.25)).toBe(1.25);
    // All above the last bound: the histogram can only say "at least the last bound".
    expect(quantile(durationBoundsMs.map(() => 0), 3, 0.99)).toBe(60_000);
  });

  it('answers the bucket\'s lower bound when the rank falls exactly on its start', () => {
    // Rank 0 (q = 0) with an empty first bucket: the first bucket already holds it.
    expect(quantile(cumulative([0, 2]), 2, 0)).toBe(0);
    const sparse = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    expect(quantile(sparse, 2, 1)).toBe(5);
  });

  it('folds minutes into wider buckets, oldest first and tasks in name order, summing every count', () => {
    const minute = (at: number, task: string, runMs: number): TaskMinute => {
      const one = emptyMinute(at, task);
      addAttempt(one, 'succeeded', runMs, runMs * 2);
      return one;
    };
    const folded = foldMinutes([minute(420_000, 'b', 20), minute(60_000, 'b', 3), minute(120_000, 'b', 7), minute(180_000, 'a', 1)], 300_000);
    expect(folded.map((bucket) => [bucket.at, bucket.task, bucket.succeeded, bucket.runMs, bucket.waitMs])).toEqual([
      [0, 'a', 1, 1, 2],
      [0, 'b', 2, 10, 20],
      [300_000, 'b', 1, 20, 40],
    ]);
    expect(folded[1]?.run).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(folded[1]?.wait).toEqual([0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  });
});
