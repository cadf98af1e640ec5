import { describe, expect, it } from 'vitest';
import { jobId } from './job-id.js';

describe('jobId', () => {
  it('is a version 7, RFC 9562 variant UUID carrying the time in ms', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = jobId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by creation time across milliseconds', () => {
    const ids = [jobId(1_000), jobId(2_000), jobId(1_500_000_000_000), jobId(1_800_000_000_000)];
    expect([...ids].sort()).toEqual(ids);
  });

  it('stays unique within one millisecond, across pool refills', () => {
    const ids = new Set(Array.from({ length: 5_000 }, () => jobId(42)));
    expect(ids.size).toBe(5_000);
  });
});
