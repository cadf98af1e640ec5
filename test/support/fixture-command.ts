import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The `node` arguments that run a TypeScript fixture in a child process: its compiled copy when
 * vitest's global setup made one (test/setup/compile-fixtures.ts, ERRAND_COMPILED_TESTS: src/,
 * test/crash/, test/security/, test/support/), else the source through tsx (`--import tsx`), as outside vitest
 * (`npm run chaos`) or for a fixture of another folder.
 */
export function fixtureCommand(fixture: URL): string[] {
  const source = fileURLToPath(fixture);
  const compiledDir = process.env.ERRAND_COMPILED_TESTS;
  if (compiledDir !== undefined && compiledDir !== '') {
    const compiled = join(compiledDir, relative(root, source)).replace(/\.ts$/, '.js');
    if (existsSync(compiled)) return [compiled];
  }
  return ['--import', 'tsx', source];
}
