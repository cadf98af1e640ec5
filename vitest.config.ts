import { defineConfig } from 'vitest/config';

// The reference service (examples/) imports errand by its package name, as a user's app does; the
// `errand-source` condition in package.json `exports` resolves those imports to src/*.ts here, so
// tests run the sources, not a stale dist/. Setting conditions replaces Vite's defaults, so they are
// repeated after it (vite's defaultServerConditions / defaultClientConditions).
export default defineConfig({
  resolve: { conditions: ['errand-source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['errand-source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    setupFiles: ['test/setup/leaks.ts'],
    // Compiles src/, test/crash/ and test/support/ once for the child processes of the crash and
    // rate-limit tests, which then boot without tsx (test/setup/compile-fixtures.ts).
    globalSetup: ['test/setup/compile-fixtures.ts'],
    pool: 'forks',
    // Deadlines against a hang, not speed figures: at load 20 a test that spawns `node --import tsx`
    // a few times (the CLI tests) took over 60 s.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Child-process tests (kill -9, SIGTERM) and socket tests compete for two cores; keep parallelism modest.
    maxWorkers: 2,
    // Type tests (*.test-d.ts): what must compile and what must not, checked by tsc. ERRAND_TYPE_TESTS=0
    // leaves them out: CI's later Node runs do, since tsc gives the same answer whatever Node runs it
    // (and `npm run typecheck` covers these files too).
    typecheck: { enabled: process.env.ERRAND_TYPE_TESTS !== '0', include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
