/**
 * jobs-redis: errand's worker on the Redis backend against raw BullMQ (its own Worker with a no-op
 * processor, same concurrency, same Redis), in one run, rounds interleaved (errand, bullmq, errand…)
 * and medians reported; Celery too (bench/celery/) when python3-celery and python3-redis are installed.
 *
 * `npx tsx bench/jobs-redis.ts` prints the figures; `npm run bench -- --only jobs-redis` includes
 * them in the full report. ERRAND_BENCH_JOBS (default 20000), ERRAND_BENCH_ROUNDS (default 3) and
 * ERRAND_BENCH_CONCURRENCY (default 50) make a smoke run small. ERRAND_TEST_REDIS_URL picks Redis.
 *
 * Besides jobs/s, each process row carries CPU µs per job of this Node process and of the Redis
 * server (INFO cpu; other clients of the same Redis inflate it): on the shared two-core machine
 * jobs/s swings with the load, CPU per job much less. Both systems overlap Node and Redis: BullMQ's
 * Worker keeps 50 independent claim-complete chains in flight, errand's worker keeps two batch
 * claims in flight and claims ahead of its free slots, so wall time is about the larger of the two.
 */
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../src/backends/redis/redis-backend.js';
import { defineTask } from '../src/jobs/define-task.js';
import { createQueue, type EnqueueItem } from '../src/jobs/queue.js';
import { createWorker } from '../src/jobs/worker.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../src/testing/redis.js';
import { celeryHint, findCelery, measureCelery } from './celery/celery-peer.js';
import { median, ratio } from './lib/stats.js';
import type { BenchRatio, BenchRow, BenchSection } from './section.js';

const jobs = Number(process.env.ERRAND_BENCH_JOBS ?? 20_000);
const rounds = Number(process.env.ERRAND_BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.ERRAND_BENCH_CONCURRENCY ?? 50);
const chunk = 1_000;
/** Celery's rate measured on this machine earlier (issue 5); used only when Celery cannot run here. */
const celeryReference = 1_700;
/** Celery publishes about 1–2k tasks/s from Python: fewer jobs keep its rounds short; the rate is what counts. */
const celeryJobs = Math.min(jobs, 5_000);
const noop = defineTask<{ n: number }>('noop', { handler: () => undefined, retries: 0 });
const quietLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const keepDay = { age: 86_400 };

/** Enqueues `jobs` no-op jobs in bulk, then runs them with errand's worker; returns [enqueue/s, process/s]. */
type RoundResult = [enqueueRate: number, processRate: number, nodeCpuUsPerJob: number, redisCpuUsPerJob: number];

/** CPU ms the Redis server has used so far (user + system). */
async function redisCpuMs(): Promise<number> {
  const admin = new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await admin.info('cpu');
    const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
  } finally {
    await admin.quit().catch(() => undefined);
  }
}

/** Runs `work` (which processes `jobs` jobs) and measures jobs/s and CPU µs per job, Node and Redis. */
async function measureProcessing(work: () => Promise<void>): Promise<[number, number, number]> {
  const redisBefore = await redisCpuMs();
  const nodeBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const elapsed = performance.now() - started;
  const node = process.cpuUsage(nodeBefore);
  const redisCpu = (await redisCpuMs()) - redisBefore;
  return [(jobs * 1000) / elapsed, (node.user + node.system) / jobs, (redisCpu * 1000) / jobs];
}

async function errandRound(prefix: string, batchScripts: boolean): Promise<RoundResult> {
  const backend = createRedisBackend({ url: testRedisUrl, prefix, batchScripts });
  try {
    const queue = createQueue({ backend });
    const items: EnqueueItem<typeof noop>[] = Array.from({ length: jobs }, (_, n) => ({ task: noop, payload: { n } }));
    const enqueueStart = performance.now();
    for (let at = 0; at < jobs; at += chunk) await queue.enqueueMany(items.slice(at, at + chunk));
    const enqueueRate = (jobs * 1000) / (performance.now() - enqueueStart);
    let done = 0;
    let finished: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (finished = resolve));
    const worker = createWorker({ backend, tasks: [noop], concurrency, leaseMs: 30_000, heartbeatMs: 10_000, pollMs: 100, pruneIntervalMs: 0, logger: quietLogger });
    worker.on('job:succeeded', () => {
      if (++done === jobs) finished();
    });
    const measured = await measureProcessing(async () => {
      worker.start();
      await allDone;
    });
    await worker.stop({ timeoutMs: 5_000 });
    return [enqueueRate, ...measured];
  } finally {
    await backend.close();
  }
}

/** The same with BullMQ alone: Queue.addBulk, then a Worker with a no-op processor. */
async function bullmqRound(prefix: string): Promise<RoundResult> {
  const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  try {
    const enqueueStart = performance.now();
    for (let at = 0; at < jobs; at += chunk) {
      const batch = Array.from({ length: Math.min(chunk, jobs - at) }, (_, i) => ({ name: 'noop', data: { n: at + i }, opts: { attempts: 1, removeOnComplete: keepDay, removeOnFail: { age: 7 * 86_400 } } }));
      await queue.addBulk(batch);
    }
    const enqueueRate = (jobs * 1000) / (performance.now() - enqueueStart);
    let done = 0;
    let finished: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (finished = resolve));
    let worker: Worker | undefined;
    const measured = await measureProcessing(async () => {
      worker = new Worker('noop', () => Promise.resolve(), { connection, prefix, concurrency });
      worker.on('completed', () => {
        if (++done === jobs) finished();
      });
      await allDone;
    });
    await worker?.close();
    return [enqueueRate, ...measured];
  } finally {
    await queue.close();
    await connection.quit();
  }
}

/** Runs the section: interleaved rounds, medians, ratios against the targets of issue 5. */
export async function run(): Promise<BenchSection> {
  const notices: string[] = [];
  const title = `Durable jobs on Redis: errand vs raw BullMQ (${jobs} no-op jobs, concurrency ${concurrency})`;
  if (!(await redisAvailable())) return { title, rows: [], ratios: [], notices: [`Redis not reachable at ${testRedisUrl}: section skipped`] };
  const samples = { errand: [[], [], [], []] as number[][], 'errand-batch': [[], [], [], []] as number[][], bullmq: [[], [], [], []] as number[][] };
  const celeryPeer = findCelery();
  const celeryRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const systems = [
      ['errand', (prefix: string) => errandRound(prefix, false)],
      ['errand-batch', (prefix: string) => errandRound(prefix, true)],
      ['bullmq', bullmqRound],
    ] as const;
    for (const [system, measure] of systems) {
      const prefix = uniqueRedisPrefix(`bench-${system}`);
      try {
        const result = await measure(prefix);
        result.forEach((value, index) => samples[system][index]?.push(value));
        const [enqueue, processed, nodeCpu, redisCpu] = result;
        process.stderr.write(
          `jobs-redis round ${round + 1}/${rounds} ${system}: enqueue ${Math.round(enqueue)}/s, process ${Math.round(processed)}/s, CPU µs/job node ${nodeCpu.toFixed(1)} redis ${redisCpu.toFixed(1)}\n`,
        );
      } finally {
        await deleteRedisPrefix(prefix);
      }
    }
    if (celeryPeer !== null) {
      const rate = await measureCelery(celeryPeer.python, testRedisUrl, celeryJobs, `${uniqueRedisPrefix('bench-celery')}`);
      celeryRates.push(rate);
      process.stderr.write(`jobs-redis round ${round + 1}/${rounds} celery: process ${Math.round(rate)}/s\n`);
    }
  }
  const rows: BenchRow[] = [];
  const med = (system: keyof typeof samples, index: 0 | 1 | 2 | 3): number => Math.round(median(samples[system][index] ?? []));
  const labels = { errand: 'errand/redis', 'errand-batch': 'errand/redis batchScripts: true', bullmq: 'bullmq' } as const;
  for (const system of ['errand', 'errand-batch', 'bullmq'] as const) {
    const label = labels[system];
    rows.push({ system: label, case: `enqueue ${jobs} jobs in bulk (${chunk} per call)`, value: med(system, 0), unit: 'jobs/s', extra: { rounds } });
    rows.push({ system: label, case: `process ${jobs} no-op jobs, concurrency ${concurrency}`, value: med(system, 1), unit: 'jobs/s', extra: { rounds, nodeCpuUsPerJob: med(system, 2), redisCpuUsPerJob: med(system, 3) } });
  }
  const ratios: BenchRatio[] = [
    { name: 'errand/redis vs raw BullMQ, process no-op jobs', value: ratio(med('errand', 1), med('bullmq', 1)), target: 0.9 },
    { name: 'errand/redis with batchScripts: true (opt-in) vs raw BullMQ, process no-op jobs', value: ratio(med('errand-batch', 1), med('bullmq', 1)), target: 0.9 },
    { name: 'errand/redis vs raw BullMQ, process no-op jobs, by CPU per job (Node + Redis; BullMQ ÷ errand)', value: ratio(med('bullmq', 2) + med('bullmq', 3), med('errand', 2) + med('errand', 3)) },
    { name: 'errand/redis vs raw BullMQ, bulk enqueue', value: ratio(med('errand', 0), med('bullmq', 0)) },
  ];
  const celery = celeryPeer;
  if (celery === null) {
    notices.push(`${celeryHint} The ratio below uses the ${celeryReference} jobs/s measured earlier on this machine.`);
    ratios.push({ name: `errand/redis vs Celery's ${celeryReference} jobs/s measured earlier on this machine (not this run)`, value: ratio(med('errand', 1), celeryReference), target: 3 });
  } else {
    rows.push({ system: `celery ${celery.version}`, case: `process ${celeryJobs} no-op jobs, prefork × cores`, value: Math.round(median(celeryRates)), unit: 'jobs/s', extra: { rounds: celeryRates.length } });
    ratios.push({ name: 'errand/redis vs Celery, process no-op jobs', value: ratio(med('errand', 1), median(celeryRates)), target: 3 });
  }
  return { title, rows, ratios, notices };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await run();
  console.log(JSON.stringify(section, null, 2));
}
