/**
 * schedule-lateness: how late a schedule's handler starts after its tick, on SQLite and Redis, beside
 * BullMQ's job scheduler (`upsertJobScheduler`) and BullMQ delayed jobs on the same Redis, in one run.
 * Each system runs 200 ticks of a 100 ms interval with one worker in this process (errand: ticks due
 * after the worker is ready; those due while it starts are reported apart); lateness is the
 * handler's start minus the tick's time (errand: from the job id, which names its tick; BullMQ:
 * `timestamp + opts.delay`, the time the job was due).
 *
 * `npx tsx bench/schedule-lateness.ts` prints median, p99 and max per system. ERRAND_BENCH_TICKS
 * (default 200) changes the count; ERRAND_TEST_REDIS_URL picks Redis; ERRAND_BENCH_SHOW_LATE=1 prints
 * errand's ticks over 20 ms late. `npm run bench -- --only
 * schedule-lateness` includes the figures in the full report (median as the value, p99 and max beside).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../src/backends/sqlite/index.js';
import type { JobBackend } from '../src/jobs/backend.js';
import { defineSchedule } from '../src/jobs/define-schedule.js';
import { defineTask } from '../src/jobs/define-task.js';
import { createWorker } from '../src/jobs/worker.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../src/testing/redis.js';
import { ratio } from './lib/stats.js';
import type { BenchRatio, BenchRow, BenchSection } from './section.js';

const ticks = Number(process.env.ERRAND_BENCH_TICKS ?? 200);
const everyMs = 100;
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

function summary(label: string, lateness: number[]): string {
  const sorted = lateness.slice(0, ticks).sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return `${label.padEnd(28)} ${String(sorted.length).padStart(4)} ticks  median ${String(at(0.5)).padStart(4)} ms  p99 ${String(at(0.99)).padStart(4)} ms  max ${String(sorted.at(-1)).padStart(4)} ms`;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Ticks due before the worker was ready (its first claim goes out once its liveness thread has
 * beaten: about 0.1 s from built code, more under tsx) measure its start-up, not the scheduler: they
 * are left out of the figures and reported apart, in `startup`.
 */
const startup: string[] = [];

async function errandLateness(label: string, backend: JobBackend): Promise<number[]> {
  const seen: { dueAt: number; late: number }[] = [];
  const tick = defineTask('tick', {
    retries: 0,
    handler: (_payload, { jobId }) => {
      const dueAt = Number(jobId.split('.').at(-1));
      seen.push({ dueAt, late: Date.now() - dueAt });
    },
  });
  let readyAt = Number.POSITIVE_INFINITY;
  const worker = createWorker({ backend, tasks: [tick], schedules: [defineSchedule(tick, { every: everyMs, overlap: 'allow', missed: 'all' })], pruneIntervalMs: 0, logger: quiet });
  worker.on('worker:ready', () => (readyAt = Date.now()));
  worker.start();
  await until(() => seen.filter(({ dueAt }) => dueAt >= readyAt).length >= ticks);
  await worker.stop();
  await backend.close();
  const early = seen.filter(({ dueAt }) => dueAt < readyAt);
  if (early.length > 0) startup.push(`${label}: ${early.length} tick(s) due before the worker was ready, left out (lateness ${early.map(({ late }) => late).join(', ')} ms)`);
  // [tick index, due ms after ready, lateness ms] of every tick over 20 ms late: where the tail comes from.
  if (process.env.ERRAND_BENCH_SHOW_LATE === '1') console.log(label, JSON.stringify(seen.map(({ dueAt, late }, i) => [i, dueAt - readyAt, late]).filter(([, , late]) => (late ?? 0) > 20)));
  return seen.filter(({ dueAt }) => dueAt >= readyAt).map(({ late }) => late);
}

async function bullLateness(prefix: string, mode: 'scheduler' | 'delayed'): Promise<number[]> {
  const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('lateness', { connection, prefix });
  const lateness: number[] = [];
  // BullMQ closes neither connection it was handed: both are disconnected below, or the process would not exit.
  const workerConnection = connection.duplicate();
  const worker = new Worker('lateness', (job: Job) => Promise.resolve(void lateness.push(Date.now() - (job.timestamp + (job.opts.delay ?? 0)))), { connection: workerConnection, prefix, concurrency: 10 });
  if (mode === 'scheduler') await queue.upsertJobScheduler('tick', { every: everyMs }, { name: 'tick', data: {}, opts: { removeOnComplete: true } });
  else {
    const start = Date.now() + 500;
    await queue.addBulk(Array.from({ length: ticks }, (_, n) => ({ name: 'tick', data: {}, opts: { delay: start + n * everyMs - Date.now(), removeOnComplete: true } })));
  }
  await until(() => lateness.length >= ticks);
  await worker.close();
  if (mode === 'scheduler') await queue.removeJobScheduler('tick');
  await queue.close();
  workerConnection.disconnect();
  connection.disconnect();
  return lateness;
}

interface Lateness {
  system: string;
  lateness: number[];
}

/** Runs every system in turn and answers each one's lateness per tick, in ms. */
async function measureAll(notices: string[]): Promise<Lateness[]> {
  const results: Lateness[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'errand-lateness-'));
  try {
    results.push({ system: 'errand sqlite schedule', lateness: await errandLateness('errand sqlite schedule', createSqliteBackend({ path: join(dir, 'lateness.db') })) });
    if (!(await redisAvailable())) {
      notices.push(`schedule-lateness: Redis not reachable at ${testRedisUrl}, its rows skipped`);
      return results;
    }
    const prefix = uniqueRedisPrefix('lateness');
    try {
      results.push({ system: 'errand redis schedule', lateness: await errandLateness('errand redis schedule', createRedisBackend({ url: testRedisUrl, prefix })) });
      results.push({ system: 'bullmq job scheduler', lateness: await bullLateness(prefix, 'scheduler') });
      results.push({ system: 'bullmq delayed jobs', lateness: await bullLateness(prefix, 'delayed') });
    } finally {
      await deleteRedisPrefix(prefix);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

function quantile(lateness: number[], q: number): number {
  const sorted = lateness.slice(0, ticks).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The section for `npm run bench`: median tick-to-handler lateness per system, p99 and max beside it. */
export async function run(): Promise<BenchSection> {
  const notices: string[] = [];
  const results = await measureAll(notices);
  notices.push(...startup);
  const rows: BenchRow[] = results.map(({ system, lateness }) => ({
    system,
    case: `tick lateness, every ${everyMs} ms, ${ticks} ticks`,
    value: quantile(lateness, 0.5),
    unit: 'ms',
    extra: { p99: quantile(lateness, 0.99), max: quantile(lateness, 1), load: os.loadavg()[0]?.toFixed(1) ?? '' },
  }));
  const p99 = (system: string): number | undefined => rows.find((row) => row.system === system)?.extra?.p99 as number | undefined;
  const ratios: BenchRatio[] = [
    { name: 'errand redis schedule p99 vs bullmq job scheduler p99 (lateness, lower is better)', value: ratio(p99('errand redis schedule'), p99('bullmq job scheduler')) },
  ];
  return { title: 'Schedule tick lateness (median ms; p99, max)', rows, ratios, notices };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { system, lateness } of await measureAll([])) console.log(summary(system, lateness));
  for (const line of startup) console.log(line);
}
