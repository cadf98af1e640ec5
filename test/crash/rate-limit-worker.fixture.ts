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
// RATE_DEBUG=1: say on stderr what the worker waits for (each refusal's next window) and what it loses.
if (process.env.RATE_DEBUG === '1') {
  const log = (what: string): void => void process.stderr.write(`[${process.pid} ${Date.now() % 100_000}] ${what}\n`);
  worker.on('job:rate-limited', ({ job, retryAt }) => log(`${job.jobId} refused, retry at ${retryAt % 100_000} (in ${retryAt - Date.now()} ms)`));
  worker.on('job:failed', ({ job, error }) => log(`${job.jobId} failed: ${error.message}`));
  worker.on('job:dead', ({ job, error }) => log(`${job.jobId} dead: ${error.message}`));
}
runWorkerProcess(worker, backend);
