/**
 * A worker process of the schedule kill test: declares one fast interval schedule (INTERVAL_MS,
 * overlap 'allow', every missed tick backfilled) on ERRAND_QUEUE, prints a JSON line per job it
 * runs, and stops cleanly on SIGTERM. The parent kills one of four with SIGKILL mid-run.
 */
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createWorker } from '../../src/jobs/worker.js';
import { openBackend } from './open-backend.js';
import { runWorkerProcess } from '../support/run-worker-process.js';

const backend = await openBackend(process.env.ERRAND_QUEUE ?? '');
const every = Number(process.env.INTERVAL_MS ?? '200');
const tick = defineTask('schedule-tick', { retries: 5, handler: () => 'ok' });
const schedule = defineSchedule(tick, { name: 'kill-test', every, overlap: 'allow', missed: 'all', maxMissed: 10_000 });
const worker = createWorker({ backend, tasks: [tick], schedules: [schedule], concurrency: 4, leaseMs: 5_000, pollMs: 50, schedulerPollMs: 50, pruneIntervalMs: 0, workerId: `schedule-${process.pid}` });
worker.on('job:started', ({ job }) => void process.stdout.write(`${JSON.stringify({ event: 'ran', jobId: job.jobId, pid: process.pid })}\n`));
runWorkerProcess(worker, backend);
