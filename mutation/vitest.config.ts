import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import folders from './folders.json' with { type: 'json' };

// The vitest config Stryker runs for one folder (ERRAND_MUTATE): that folder's own tests. Tests
// that spawn a child process are left out (the mutant is active only in the test process), and so
// is the 30-second fuzz test, which would re-run for nearly every mutant of src/errors.
const name = process.env.ERRAND_MUTATE ?? '';
if (!Object.hasOwn(folders, name)) throw new Error(`ERRAND_MUTATE must be one of: ${Object.keys(folders).join(', ')}`);
const folder = folders[name as keyof typeof folders];

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: folder.tests,
    exclude: ['**/node_modules/**', ...folder.exclude],
    setupFiles: ['test/setup/leaks.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
