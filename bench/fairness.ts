/**
 * Fair queues (issue 17): keys A (10,000 jobs) and B (10 jobs) enqueued together, A first, then 4
 * workers start; the figure is the time from their start until B's last job has finished. Each job
 * works 1 ms. Target: B's last job within 2 s plus its own work (10 ms). Errand groups the task by
 * key (`group: { key }`) on SQLite, Redis and Postgres; BullMQ's open-source queue has no groups
 * (they are a paid feature), so raw BullMQ, the same jobs in one queue, is the reference of what
 * happens without them: B waits for A's backlog. One run per system (`npm run bench -- --only fairness`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createPostgresBackend } from '../src/backends/postgres/index.js';
import { createRedisBackend } from '../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../src/backends/sqlite/index.js';
import type { JobBackend } from '../src/jobs/backend.js';
import { defineTask } from '../src/jobs/define-task.js';
import { createQueue } from '../src/jobs/queue.js';
import { createWorker, type Worker } from '../src/jobs/worker.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../src/testing/redis.js';
import type { BenchRow, BenchSection } from './section.js';

const bigJobs = 10_000;
const smallJobs = 10;
const workers = 4;
/** Handlers running at once in each worker. */
const perWorker = 4;
const workMs = 1;
const pgUrl = process.env.ERRAND_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const work = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, workMs));

interface Outcome {
  /** ms from the workers' start until B's last job finished. */
  lastSmallMs: number;
  /** Jobs of A finished by then. */
  bigDone: number;
}

/** Runs A and B through errand on `backend` with the task grouped by key. */
async function errandRun(backend: JobBackend): Promise<Outcome> {
  let smallDone = 0;
  let bigDone = 0;
  let resolveSmall: () => void = () => undefined;
  const small = new Promise<void>((resolve) => (resolveSmall = resolve));
  const task = defineTask<{ key: string }>('fair-bench', {
    retries: 0,
    group: { key: ({ key }) => key },
    handler: async ({ key }) => {
      await work();
      if (key === 'A') bigDone += 1;
      else if ((smallDone += 1) === smallJobs) resolveSmall();
    },
  });
  const queue = createQueue({ backend });
  for (let at = 0; at < bigJobs; at += 1_000) await queue.enqueueMany(Array.from({ length: Math.min(1_000, bigJobs - at) }, () => ({ task, payload: { key: 'A' } })));
  await queue.enqueueMany(Array.from({ length: smallJobs }, () => ({ task, payload: { key: 'B' } })));
  const started = performance.now();
  const running: Worker[] = Array.from({ length: workers }, () => createWorker({ backend, tasks: [task], concurrency: perWorker, pollMs: 50, pruneIntervalMs: 0, liveness: false, logger: quiet }).start());
  await small;
  const outcome = { lastSmallMs: performance.now() - started, bigDone };
  await Promise.all(running.map((worker) => worker.stop({ timeoutMs: 5_000 })));
  await backend.close();
  return outcome;
}

/** The same jobs in one plain BullMQ queue (no groups), 4 workers of the same concurrency. */
async function bullmqRun(prefix: string): Promise<Outcome> {
  const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('fair-bench', { connection, prefix });
  let smallDone = 0;
  let bigDone = 0;
  let resolveSmall: () => void = () => undefined;
  const small = new Promise<void>((resolve) => (resolveSmall = resolve));
  for (let at = 0; at < bigJobs; at += 1_000) await queue.addBulk(Array.from({ length: Math.min(1_000, bigJobs - at) }, () => ({ name: 'job', data: { key: 'A' } })));
  await queue.addBulk(Array.from({ length: smallJobs }, () => ({ name: 'job', data: { key: 'B' } })));
  const started = performance.now();
  const running = Array.from(
    { length: workers },
    () =>
      new BullWorker(
        'fair-bench',
        async (job) => {
          await work();
          if ((job.data as { key: string }).key === 'A') bigDone += 1;
          else if ((smallDone += 1) === smallJobs) resolveSmall();
        },
        { connection, prefix, concurrency: perWorker, removeOnComplete: { count: 0 } },
      ),
  );
  await small;
  const outcome = { lastSmallMs: performance.now() - started, bigDone };
  await Promise.all(running.map((worker) => worker.close(true)));
  await queue.close();
  await connection.quit();
  return outcome;
}

function row(system: string, outcome: Outcome): BenchRow {
  return { system, case: `fairness: B's last of ${smallJobs} jobs behind A's ${bigJobs.toLocaleString('en')}, ${workers} workers × ${perWorker}`, value: Math.round(outcome.lastSmallMs), unit: 'ms', extra: { 'A jobs done by then': outcome.bigDone } };
}

export async function run(): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const notices: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'errand-fair-bench-'));
  try {
    rows.push(row('errand/sqlite (group by key)', await errandRun(createSqliteBackend({ path: join(dir, 'fair.db') }))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (await redisAvailable()) {
    const prefix = uniqueRedisPrefix('fair-bench');
    try {
      rows.push(row('errand/redis (group by key)', await errandRun(createRedisBackend({ url: testRedisUrl, prefix }))));
    } finally {
      await deleteRedisPrefix(prefix);
    }
    const bullPrefix = uniqueRedisPrefix('fair-bench-bull');
    try {
      rows.push(row('bullmq (no groups)', await bullmqRun(bullPrefix)));
    } finally {
      await deleteRedisPrefix(bullPrefix);
    }
  } else notices.push('fairness: Redis is not reachable; the Redis and BullMQ rows are skipped');
  const schema = `bench_fair_${process.pid}`;
  try {
    rows.push(row('errand/postgres (group by key)', await errandRun(createPostgresBackend({ connectionString: pgUrl, schema, poolSize: 10 }))));
  } catch (error) {
    notices.push(`fairness: Postgres row skipped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect().then(
      () => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end()),
      () => undefined,
    );
  }
  const target = 2_000 + smallJobs * workMs;
  const errandRows = rows.filter((r) => r.system.startsWith('errand'));
  const ratios = errandRows.map((r) => ({ name: `${r.system}: B's last job within ${target} ms (1 = at target, > 1 better)`, value: Math.round((target / Math.max(1, r.value)) * 100) / 100, target: 1 }));
  return { title: `Fair queues: ${smallJobs} jobs of key B behind ${bigJobs.toLocaleString('en')} of key A`, rows, ratios, notices };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await run();
  for (const r of section.rows) console.log(`${r.system.padEnd(34)} ${String(r.value).padStart(7)} ms  (A done by then: ${r.extra?.['A jobs done by then']})`);
  for (const notice of section.notices) console.log(notice);
}
