/**
 * The public surface: every name each package subpath exports (values, and types marked `type`),
 * read from the sources with the TypeScript compiler. test/package/exports-snapshot.test.ts fails
 * when it differs from the checked-in test/package/exports-snapshot.json, so nothing becomes public
 * (or stops being public) by accident; it also fails when docs/api.md (scripts/api-reference.ts)
 * is not the reference of that surface.
 *
 * After an intended change: `npm run exports:snapshot` rewrites the JSON and docs/api.md; commit
 * them with the change.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiReference, apiReferencePath } from './api-reference.js';
import { readPublicSurface, root } from './public-surface.js';

export const snapshotPath = join(root, 'test/package/exports-snapshot.json');

/** `{ "./errors": ["ErrandError", "type ErrorCode", …], … }`, names sorted. */
export function readExports(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(readPublicSurface()).map(([subpath, names]) => [subpath, names.map(({ name, value }) => (value ? name : `type ${name}`))]));
}

if (process.argv.includes('--write')) {
  writeFileSync(snapshotPath, `${JSON.stringify(readExports(), null, 2)}\n`);
  writeFileSync(apiReferencePath, apiReference(readPublicSurface()));
  console.log(`wrote ${snapshotPath} and ${apiReferencePath}`);
}
