import { describe, expect, it } from 'vitest';
import { rateRetryAt } from './rate-window.js';

describe('rateRetryAt', () => {
  it('lets the first `limit` starts of a window through', () => {
    expect(rateRetryAt(1, 3, 10, 1_000)).toBeNull();
    expect(rateRetryAt(3, 3, 10, 1_000)).toBeNull();
  });

  it('spreads the starts over the limit across the following windows, `limit` per window', () => {
    // Window 10 of 1 s windows ends at 11,000 ms.
    expect([4, 5, 6, 7, 9, 10].map((count) => rateRetryAt(count, 3, 10, 1_000))).toEqual([11_000, 11_000, 11_000, 12_000, 12_000, 13_000]);
  });
});
