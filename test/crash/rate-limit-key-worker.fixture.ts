/**
 * A worker process of the per-key rate-limit test: runs the `per-tenant` task (LIMIT per INTERVAL_MS
 * per `payload.tenant`) from ERRAND_QUEUE and prints JSON lines: each grant of the shared counter
 * with the windows its call began and ended in (the backend counted it in one of them), each handler start, and
 * each job sent back to wait for a later window.
 */
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createWorker } from '../../src/jobs/worker.js';
import { openBackend } from './open-backend.js';
import { runWorkerProcess } from '../support/run-worker-process.js';

const opened = await openBackend(process.env.ERRAND_QUEUE ?? '');
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...line, pid: process.pid })}\n`);

// The backend as the worker sees it, except that each grant of the shared counter is printed.
const backend: JobBackend = Object.create(opened, {
  takeRateToken: {
    value: async (bucket: string, limit: number, windowMs: number, now: number): Promise<number | null> => {
      const retryAt = (await opened.takeRateToken?.(bucket, limit, windowMs, now)) ?? null;
      // Every backend reads its own clock (this host's) while the call runs: SQLite once it holds the write lock, Redis and Postgres in the server.
      if (retryAt === null) print({ event: 'granted', bucket, from: Math.floor(now / windowMs), to: Math.floor(Date.now() / windowMs) });
      return retryAt;
    },
  },
}) as JobBackend;

const perTenant = defineTask('per-tenant', {
  retries: 0,
  rateLimit: { limit: Number(process.env.LIMIT), intervalMs: Number(process.env.INTERVAL_MS), key: (payload: { tenant: string }) => payload.tenant },
  handler: (payload: { tenant: string }, { jobId }) => print({ event: 'ran', jobId, tenant: payload.tenant, at: Date.now() }),
});
const worker = createWorker({ backend, tasks: [perTenant], concurrency: 10, pollMs: 50, pruneIntervalMs: 0, workerId: `per-tenant-${process.pid}` });
worker.on('job:rate-limited', ({ job }) => print({ event: 'waited', jobId: job.jobId }));
runWorkerProcess(worker, opened);
