/**
 * A worker process of the multi-process test: runs the tally task from ERRAND_QUEUE and prints one
 * JSON line per job it ran; stops cleanly on SIGTERM.
 */
import { createBackendFromUrl } from '../../src/backends/from-url.js';
import { createWorker } from '../../src/jobs/worker.js';
import { runWorkerProcess } from '../support/run-worker-process.js';
import { tallyTask } from './shared-queue-task.js';

const backend = await createBackendFromUrl(process.env.ERRAND_QUEUE);
const worker = createWorker({ backend, tasks: [tallyTask], concurrency: 8, leaseMs: 5_000, heartbeatMs: 1_000, pollMs: 200, pruneIntervalMs: 0, workerId: `tally-${process.pid}` });
worker.on('job:started', ({ job }) => void process.stdout.write(`${JSON.stringify({ event: 'ran', jobId: job.jobId, pid: process.pid })}\n`));
runWorkerProcess(worker, backend);
