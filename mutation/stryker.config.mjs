// @ts-check
/**
 * StrykerJS over one core folder (ERRAND_MUTATE, a key of folders.json) with the tests that cover it.
 * Run through `npm run mutation -- <folder> ...` (mutation/run.ts): one folder at a time, niced,
 * with wall times. Reports go to reports/mutation/<folder>/ (git-ignored).
 */
import { readFileSync } from 'node:fs';

const folders = JSON.parse(readFileSync(new URL('./folders.json', import.meta.url), 'utf8'));
const name = process.env.ERRAND_MUTATE ?? '';
if (!Object.hasOwn(folders, name)) throw new Error(`ERRAND_MUTATE must be one of: ${Object.keys(folders).join(', ')}`);
// ERRAND_MUTATION_REPORTS: another report folder (and incremental file) for a partial run with
// `--mutate <files>`, so that it neither replaces the folder's report nor forgets its other files.
const reports = process.env.ERRAND_MUTATION_REPORTS ?? `reports/mutation/${name}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'mutation/vitest.config.ts', related: false },
  // No TypeScript checker: on two shared cores it cost more CPU than the test runs themselves
  // (1.2 s per mutant against 0.8 s). A mutant that would not compile runs as JavaScript instead,
  // and is killed or survives on its behaviour. `ERRAND_MUTATION_CHECK=1` turns the checker on
  // (mutants that do not compile are then left out of the score).
  ...(process.env.ERRAND_MUTATION_CHECK === '1' ? { checkers: ['typescript'], tsconfigFile: 'mutation/tsconfig.json' } : {}),
  mutate: [...folders[name].mutate, '!**/*.test.ts', '!**/index.ts'],
  // Two cores shared with other work: one test process, and per-test coverage so that a mutant
  // runs only the tests that reach it. Incremental: a re-run tests only what changed since.
  concurrency: 1,
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `${reports}/incremental.json`,
  // A static mutant (module-level code: catalogues, schemas) would re-run every test of the folder.
  ignoreStatic: true,
  timeoutMS: 5_000,
  ignorePatterns: ['dist', 'data', 'coverage', 'reports', 'bench/results', '.tmp', '*.db', '*.db-wal', '*.db-shm', '*.log', '.stryker-tmp*'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `${reports}/index.html` },
  jsonReporter: { fileName: `${reports}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
};
