import { describe, expect, it } from 'vitest';
import { StorageLedger } from './storage-ledger.js';

/** A disk whose measurements the test answers by hand, one at a time. */
function manualDisk(): { measure: () => Promise<number>; answer: (bytes: number) => void; fail: () => void; readonly measurements: number } {
  const pending: { resolve: (bytes: number) => void; reject: (error: Error) => void }[] = [];
  let measurements = 0;
  return {
    measure: () => {
      measurements += 1;
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    answer: (bytes) => pending.shift()?.resolve(bytes),
    fail: () => pending.shift()?.reject(new Error('EIO')),
    get measurements() {
      return measurements;
    },
  };
}

describe('StorageLedger', () => {
  it('judges requests arriving during one measurement against it in order: two uploads are never given the same room', async () => {
    const disk = manualDisk();
    const ledger = new StorageLedger(100, disk.measure);
    const first = ledger.admit(60);
    const second = ledger.admit(60);
    const small = ledger.admit(40);
    disk.answer(0);
    const [a, b, c] = await Promise.all([first, second, small]);
    expect(disk.measurements).toBe(1);
    expect(a).toBeDefined();
    expect(b).toBeUndefined();
    // 60 + 40 = 100: exactly the cap fits.
    expect(c).toBeDefined();
    expect(ledger.reserved).toBe(100);
  });

  it('counts an admitted upload by its reservation until it is released, even once part of it is on disk', async () => {
    const disk = manualDisk();
    const ledger = new StorageLedger(100, disk.measure);
    const upload = ledger.admit(60);
    disk.answer(0);
    const admission = await upload;
    // 30 bytes of it written so far: counted on disk and by its reservation, never less than it will be.
    const during = ledger.admit(20);
    disk.answer(30);
    expect(await during).toBeUndefined();
    admission?.release();
    admission?.release();
    expect(ledger.reserved).toBe(0);
    // Complete on disk (60 bytes), released: the rest fits.
    const after = ledger.admit(40);
    disk.answer(60);
    expect(await after).toBeDefined();
  });

  it('refuses a request that writes a little once the measured bytes reach the cap, and admits it below', async () => {
    const disk = manualDisk();
    const ledger = new StorageLedger(100, disk.measure);
    const full = ledger.admit(0);
    disk.answer(100);
    expect(await full).toBeUndefined();
    const below = ledger.admit(0);
    disk.answer(99);
    expect(await below).toBeDefined();
    expect(ledger.reserved).toBe(0);
  });

  it('refuses what arrives while a measurement fails, and measures afresh for the next request', async () => {
    const disk = manualDisk();
    const ledger = new StorageLedger(100, disk.measure);
    const during = ledger.admit(1);
    disk.fail();
    expect(await during).toBeUndefined();
    const next = ledger.admit(1);
    disk.answer(0);
    expect(await next).toBeDefined();
    expect(disk.measurements).toBe(2);
  });
});
