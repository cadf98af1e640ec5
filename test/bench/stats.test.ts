/** The benchmark's published statistics: medians, and ratios paired by round. */
import { describe, expect, it } from 'vitest';
import { median, pairedRatio, roundRatios } from '../../bench/lib/stats.js';

describe('pairedRatio', () => {
  it("is the typical round's ratio, where the ratio of medians mixes rounds", () => {
    // Round 1 ran at half speed for both (seen on the shared VMs). errand was 0.8× its host in two
    // rounds and 0.9× in one; each side's median falls on a different round.
    const host = [10_000, 25_000, 24_000];
    const errand = [8_000, 20_000, 21_600];
    expect(roundRatios(errand, host)).toEqual([0.8, 0.8, 0.9]);
    expect(pairedRatio(errand, host)).toBeCloseTo(0.8, 6);
    expect(median(errand) / median(host)).toBeCloseTo(0.833, 3);
  });

  it('pairs only rounds both sides measured, and is NaN without any', () => {
    expect(roundRatios([2, 4, 6], [1, 2])).toEqual([2, 2]);
    expect(roundRatios([1, 2], [0, 1])).toEqual([2]);
    expect(pairedRatio(undefined, [1])).toBeNaN();
    expect(pairedRatio([], [])).toBeNaN();
  });
});
