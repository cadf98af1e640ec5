import { afterEach } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createWorker, type JobBackend, type Worker, type WorkerOptions } from '../../src/jobs/index.js';

/**
 * Memory backends and started workers for one test file, all stopped and closed after each test.
 * `start` uses short polls, long leases and no pruning unless `options` says otherwise.
 */
export function useMemoryWorkers(): { memory: () => JobBackend; start: (backend: JobBackend, options: Omit<WorkerOptions, 'backend'>) => Worker } {
  const workers: Worker[] = [];
  const backends: JobBackend[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 0 })));
    for (const backend of backends.splice(0)) await backend.close();
  });
  return {
    memory: () => {
      const backend = createMemoryBackend();
      backends.push(backend);
      return backend;
    },
    start: (backend, options) => {
      const worker = createWorker({ backend, concurrency: 2, leaseMs: 30_000, heartbeatMs: 1_000, pollMs: 20, pruneIntervalMs: 0, ...options }).start();
      workers.push(worker);
      return worker;
    },
  };
}
