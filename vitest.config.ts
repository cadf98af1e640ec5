import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    setupFiles: ['test/setup/leaks.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child-process tests (kill -9, SIGTERM) and socket tests compete for two cores; keep parallelism modest.
    maxWorkers: 2,
  },
});
