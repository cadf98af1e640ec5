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

  it('draws every random digit: none is fixed, and the variant takes all four values', () => {
    const ids = Array.from({ length: 2_000 }, () => jobId(7).replaceAll('-', ''));
    // Digits 13 and 16 are the version (7) and the variant; the 12 before are the time.
    for (let digit = 13; digit < 32; digit += 1) {
      const seen = new Set(ids.map((id) => id[digit]));
      if (digit === 16) expect([...seen].sort()).toEqual(['8', '9', 'a', 'b']);
      else expect(seen.size, `digit ${digit}`).toBeGreaterThan(8);
    }
  });

  it('writes a time before 1970 as zero and keeps the low 48 bits of a later one', () => {
    expect(jobId(-5).slice(0, 13)).toBe('00000000-0000');
    expect(jobId(2 ** 48 + 0xabc).slice(0, 13)).toBe('00000000-0abc');
    expect(jobId(255.9).slice(0, 13)).toBe('00000000-00ff');
  });
});
