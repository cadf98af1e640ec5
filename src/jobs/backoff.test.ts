import { describe, expect, it } from 'vitest';
import { computeBackoff } from './backoff.js';

const error = new Error('boom');

describe('computeBackoff', () => {
  it('doubles an exponential delay per attempt and caps it', () => {
    const option = { type: 'exponential', delayMs: 100, maxDelayMs: 1000, jitter: false } as const;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => computeBackoff(option, attempt, error))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads full jitter over [0, delay]', () => {
    const option = { type: 'exponential', delayMs: 100 } as const;
    expect(computeBackoff(option, 3, error, () => 0)).toBe(0);
    expect(computeBackoff(option, 3, error, () => 0.5)).toBe(200);
    expect(computeBackoff(option, 3, error, () => 0.999_999)).toBe(400);
    expect(computeBackoff({ ...option, jitter: 'full' }, 3, error, () => 0.25)).toBe(100);
  });

  it('keeps decorrelated jitter between the base delay and three times the previous delay', () => {
    const option = { type: 'exponential', delayMs: 100, maxDelayMs: 10_000, jitter: 'decorrelated' } as const;
    expect(computeBackoff(option, 1, error, () => 0)).toBe(100);
    expect(computeBackoff(option, 1, error, () => 1)).toBe(300);
    expect(computeBackoff(option, 3, error, () => 1)).toBe(600);
    expect(computeBackoff(option, 20, error, () => 1)).toBe(10_000);
  });

  it('uses one second doubling with full jitter when no backoff is given', () => {
    expect(computeBackoff(undefined, 2, error, () => 1)).toBe(2000);
    // Jittered: the random draw scales the delay (without jitter every draw would give 2000).
    expect(computeBackoff(undefined, 2, error, () => 0.5)).toBe(1000);
    expect(computeBackoff(undefined, 2, error, () => 0)).toBe(0);
    expect(computeBackoff(undefined, 13, error, () => 1)).toBe(3_600_000);
  });

  it('waits the same for every attempt with a fixed backoff', () => {
    expect([1, 5].map((attempt) => computeBackoff({ type: 'fixed', delayMs: 250 }, attempt, error))).toEqual([250, 250]);
  });

  it('asks a custom function and never returns a negative or non-finite delay', () => {
    const seen: [number, Error][] = [];
    expect(computeBackoff((attempt, cause) => (seen.push([attempt, cause]), attempt * 10), 4, error)).toBe(40);
    expect(seen).toEqual([[4, error]]);
    expect(computeBackoff(() => -5, 1, error)).toBe(0);
    expect(computeBackoff(() => Number.NaN, 1, error)).toBe(0);
  });

  it('counts an attempt below 1 as the first, and a fractional attempt as the whole one below', () => {
    const option = { type: 'exponential', delayMs: 100, jitter: false } as const;
    expect([0, -3, 1, 2.7].map((attempt) => computeBackoff(option, attempt, error))).toEqual([100, 100, 100, 200]);
    const seen: number[] = [];
    computeBackoff((attempt) => (seen.push(attempt), 0), 0, error);
    expect(seen).toEqual([1]);
  });

  it('treats a negative delay or cap as zero and rounds to whole milliseconds', () => {
    expect(computeBackoff({ type: 'exponential', delayMs: -100, jitter: false }, 2, error)).toBe(0);
    expect(computeBackoff({ type: 'exponential', delayMs: 100, maxDelayMs: -1, jitter: false }, 2, error)).toBe(0);
    expect(computeBackoff({ type: 'fixed', delayMs: -250 }, 1, error)).toBe(0);
    expect(computeBackoff({ type: 'fixed', delayMs: 250.6 }, 1, error)).toBe(251);
    expect(computeBackoff({ type: 'exponential', delayMs: 0.3, jitter: false }, 2, error)).toBe(1);
    expect(computeBackoff({ type: 'exponential', delayMs: 3 }, 1, error, () => 0.5)).toBe(2);
    expect(computeBackoff(() => 12.5, 1, error)).toBe(13);
    expect(computeBackoff(() => Number.POSITIVE_INFINITY, 1, error)).toBe(0);
  });

  it('takes the previous delay of decorrelated jitter as the un-jittered one, within the cap', () => {
    const option = { type: 'exponential', delayMs: 100, maxDelayMs: 10_000, jitter: 'decorrelated' } as const;
    // Attempt 2: previous delay 100, so between 100 and 300.
    expect([0, 0.5, 1].map((draw) => computeBackoff(option, 2, error, () => draw))).toEqual([100, 200, 300]);
    expect(computeBackoff({ ...option, maxDelayMs: 250 }, 2, error, () => 1)).toBe(250);
    expect(computeBackoff({ ...option, maxDelayMs: 250 }, 5, error, () => 0.5)).toBe(250);
    // No delayMs: one second.
    expect(computeBackoff({ type: 'exponential', jitter: 'decorrelated' }, 1, error, () => 0)).toBe(1_000);
    expect(computeBackoff({ type: 'exponential', jitter: false }, 30, error)).toBe(3_600_000);
  });
});
