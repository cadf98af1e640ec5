import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiReference, apiReferencePath } from '../../scripts/api-reference.js';
import { readExports, snapshotPath } from '../../scripts/exports-snapshot.js';
import { readPublicSurface } from '../../scripts/public-surface.js';

describe('the public surface', () => {
  const surface = readPublicSurface();

  it('is exactly the checked-in snapshot of every subpath’s exported names (npm run exports:snapshot after an intended change)', () => {
    const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as Record<string, string[]>;
    expect(readExports()).toEqual(snapshot);
  }, 120_000);

  it('documents every exported value with a comment', () => {
    const undocumented = Object.entries(surface).flatMap(([subpath, names]) => names.filter(({ value, doc }) => value && doc === '').map(({ name }) => `errand${subpath.slice(1)}: ${name}`));
    expect(undocumented).toEqual([]);
  });

  it('has docs/api.md as its reference, up to date (npm run exports:snapshot)', () => {
    expect(readFileSync(apiReferencePath, 'utf8')).toBe(apiReference(surface));
  });
});
