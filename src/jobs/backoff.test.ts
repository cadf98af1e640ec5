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
});
