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
    // Most test files wait (child processes booting and being killed, sockets, timers, Redis and
    // Postgres round trips) more than they compute, so four workers on two cores overlap those waits:
    // the whole suite took 209 s and 222 s of wall with 4 workers against 305 s with 2 (Node 20, same machine,
    // 2 AMD EPYC cores, ERRAND_TYPE_TESTS=0; 2 was CI's Node 20 step at load ~2, 4 run alone right
    // after), green both times. The suite is written to pass on a loaded machine (no wall-clock
    // assertions, generous deadlines), which is what the extra workers make it.
    maxWorkers: 4,
    // Type tests (*.test-d.ts): what must compile and what must not, checked by tsc. ERRAND_TYPE_TESTS=0
    // leaves them out: CI's later Node runs do, since tsc gives the same answer whatever Node runs it
    // (and `npm run typecheck` covers these files too).
    typecheck: { enabled: process.env.ERRAND_TYPE_TESTS !== '0', include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
