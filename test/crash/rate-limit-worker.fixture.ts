/**
 * A worker process of the cross-process rate-limit test: runs the `limited` task (LIMIT per
 * INTERVAL_MS) from ERRAND_QUEUE and prints a JSON line, with the time, per job it starts.
 */
import { defineTask } from '../../src/jobs/define-task.js';
import { createWorker } from '../../src/jobs/worker.js';
import { openBackend } from './open-backend.js';
import { runWorkerProcess } from '../support/run-worker-process.js';

const backend = await openBackend(process.env.ERRAND_QUEUE ?? '');
const limited = defineTask('limited', {
  retries: 0,
  rateLimit: { limit: Number(process.env.LIMIT), intervalMs: Number(process.env.INTERVAL_MS) },
  handler: (_payload, { jobId }) => void process.stdout.write(`${JSON.stringify({ event: 'ran', jobId, at: Date.now(), pid: process.pid })}\n`),
});
const worker = createWorker({ backend, tasks: [limited], concurrency: 20, pollMs: 50, pruneIntervalMs: 0, workerId: `limited-${process.pid}` });
runWorkerProcess(worker, backend);
