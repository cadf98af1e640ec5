import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readExports, snapshotPath } from '../../scripts/exports-snapshot.js';

describe('the public surface', () => {
  it('is exactly the checked-in snapshot of every subpath’s exported names (npm run exports:snapshot after an intended change)', () => {
    const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as Record<string, string[]>;
    expect(readExports()).toEqual(snapshot);
  }, 120_000);
});
