/**
 * A worker process of the kill -9 crash run. Reads the queue URL from ERRAND_QUEUE and the
 * completion log path from CRASH_LOG; reports on stdout one JSON line per event the parent needs
 * (`ready`, `started`, `succeeded`), and appends `jobId attempt token` to the log once the backend
 * has stored each result, so the parent can prove no job completed twice.
 */
import { appendFileSync } from 'node:fs';
import { createWorker } from '../../src/jobs/worker.js';
import { blockTask, napTask } from './crash-task.js';
import { openBackend } from './open-backend.js';
import { runWorkerProcess } from '../support/run-worker-process.js';

const queueUrl = process.env.ERRAND_QUEUE;
const log = process.env.CRASH_LOG;
if (queueUrl === undefined || log === undefined) throw new Error('crash worker: set ERRAND_QUEUE and CRASH_LOG');

const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const backend = await openBackend(queueUrl);
// CRASH_DEFAULTS=1: the library's default lease, heartbeat, poll and liveness, as a user gets them.
const timing = process.env.CRASH_DEFAULTS === '1' ? {} : { leaseMs: Number(process.env.CRASH_LEASE_MS ?? 1000), heartbeatMs: Number(process.env.CRASH_HEARTBEAT_MS ?? 250), pollMs: 100 };
const worker = createWorker({
  backend,
  tasks: [napTask, blockTask],
  concurrency: 2,
  ...timing,
  pruneIntervalMs: 0,
  workerId: `crash-${process.pid}`,
});
worker.on('job:started', ({ job }) => say({ event: 'started', jobId: job.jobId, attempt: job.attempt }));
worker.on('job:succeeded', ({ job }) => {
  // O_APPEND writes of one short line are atomic, so concurrent workers never interleave lines.
  appendFileSync(log, `${job.jobId} ${job.attempt} ${job.token}\n`);
  say({ event: 'succeeded', jobId: job.jobId, attempt: job.attempt });
});
runWorkerProcess(worker, backend);
