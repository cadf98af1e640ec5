/**
 * jobs-postgres: errand's Postgres backend beside graphile-worker and pg-boss (the newest versions
 * that install here), on the same PostgreSQL, in one run: enqueue one by one (each call awaited),
 * enqueue in bulk (1,000 per call: enqueueMany, addJobs, insert), and process N no-op jobs already
 * queued, each system with the same concurrency (100 jobs in flight) and fetching up to 100 jobs per
 * round trip (errand batchSize, graphile-worker localQueue.size, pg-boss batchSize). Each system
 * gets a fresh schema per case and round, migrated before the clock starts. Rounds are interleaved
 * (errand, graphile-worker, pg-boss, then graphile-worker, pg-boss, errand, …) and the table shows medians: a bulk enqueue of N jobs
 * lasts about a second, so one sample per system said more about the machine's load at that moment
 * than about the systems.
 *
 * `npx tsx bench/jobs-postgres.ts` prints the table; `npm run bench -- --only jobs-postgres` includes
 * it in the report. ERRAND_BENCH_JOBS (default 10000) sets N; ERRAND_BENCH_ONE_JOBS (default
 * min(N, 1000)) the jobs enqueued one by one (one commit each, ~100–250/s on this disk: the rate is
 * what counts); ERRAND_BENCH_ROUNDS (default 3) the rounds; ERRAND_TEST_POSTGRES_URL the server.
 */
import { fileURLToPath } from 'node:url';
import { makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { createPostgresBackend } from '../src/backends/postgres/index.js';
import { defineTask } from '../src/jobs/define-task.js';
import { createQueue } from '../src/jobs/queue.js';
import { createWorker } from '../src/jobs/worker.js';
import { median, ratio } from './lib/stats.js';
import type { BenchRatio, BenchRow, BenchSection } from './section.js';

const url = process.env.ERRAND_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const jobs = Number(process.env.ERRAND_BENCH_JOBS ?? 10_000);
const oneJobs = Number(process.env.ERRAND_BENCH_ONE_JOBS ?? Math.min(jobs, 1_000));
const rounds = Number(process.env.ERRAND_BENCH_ROUNDS ?? 3);
const concurrency = 100;
const bulkChunk = 1_000;
const noop = defineTask<{ n: number }>('noop', { handler: () => undefined, retries: 0 });
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const payloads = (): { n: number }[] => Array.from({ length: jobs }, (_, n) => ({ n }));
let schemas = 0;
const freshSchema = (system: string): string => `bench_${system}_${process.pid}_${(schemas += 1)}`;

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

/** Jobs per second of `work` on `count` jobs. */
async function rate(count: number, work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (count * 1000) / (performance.now() - started);
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += bulkChunk) out.push(items.slice(at, at + bulkChunk));
  return out;
}

type Mode = 'one' | 'bulk' | 'process';

async function errand(mode: Mode, schema: string): Promise<number> {
  const backend = createPostgresBackend({ connectionString: url, schema, poolSize: 10 });
  const queue = createQueue({ backend });
  await backend.stats();
  const items = payloads().map((payload) => ({ task: noop, payload }));
  const bulk = async (): Promise<void> => {
    for (const chunk of chunks(items)) await queue.enqueueMany(chunk);
  };
  try {
    if (mode === 'one') {
      return await rate(oneJobs, async () => {
        for (const item of items.slice(0, oneJobs)) await queue.enqueue(noop, item.payload);
      });
    }
    if (mode === 'bulk') return await rate(jobs, bulk);
    await bulk();
    const worker = createWorker({ backend, tasks: [noop], concurrency, batchSize: concurrency, pruneIntervalMs: 0, logger: quiet });
    let done = 0;
    const finished = new Promise<void>((resolve) => worker.on('job:succeeded', () => (done += 1) === jobs && resolve()));
    const result = await rate(jobs, async () => {
      worker.start();
      await finished;
    });
    await worker.stop();
    return result;
  } finally {
    await backend.close();
  }
}

async function graphile(mode: Mode, schema: string): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString: url, schema });
  await utils.migrate();
  const specs = payloads().map((payload) => ({ identifier: 'noop', payload }));
  const bulk = async (): Promise<void> => {
    for (const chunk of chunks(specs)) await utils.addJobs(chunk);
  };
  try {
    if (mode === 'one') {
      return await rate(oneJobs, async () => {
        for (const spec of specs.slice(0, oneJobs)) await utils.addJob(spec.identifier, spec.payload);
      });
    }
    if (mode === 'bulk') return await rate(jobs, bulk);
    await bulk();
    let done = 0;
    let finish = (): void => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    return await rate(jobs, async () => {
      const runner = await runGraphile({
        connectionString: url,
        schema,
        concurrency,
        noHandleSignals: true,
        pollInterval: 1_000,
        preset: { worker: { localQueue: { size: concurrency } } },
        logger: new (await import('graphile-worker')).Logger(() => () => undefined),
        taskList: {
          noop: () => {
            done += 1;
            if (done === jobs) finish();
          },
        },
      });
      await finished;
      await runner.stop();
    });
  } finally {
    await utils.release();
  }
}

async function pgBoss(mode: Mode, schema: string): Promise<number> {
  const boss = new PgBoss({ connectionString: url, schema, max: 10, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop');
  const items = payloads();
  const bulk = async (): Promise<void> => {
    for (const chunk of chunks(items)) await boss.insert('noop', chunk.map((data) => ({ data })));
  };
  try {
    if (mode === 'one') {
      return await rate(oneJobs, async () => {
        for (const data of items.slice(0, oneJobs)) await boss.send('noop', data);
      });
    }
    if (mode === 'bulk') return await rate(jobs, bulk);
    await bulk();
    let done = 0;
    let finish = (): void => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    return await rate(jobs, async () => {
      await boss.work('noop', { batchSize: concurrency, pollingIntervalSeconds: 0.5 }, (batch) => {
        done += batch.length;
        if (done >= jobs) finish();
        return Promise.resolve();
      });
      await finished;
    });
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

const systems = { 'errand/postgres': errand, 'graphile-worker': graphile, 'pg-boss': pgBoss } as const;
const modes: { mode: Mode; label: string }[] = [
  { mode: 'one', label: `enqueue one by one (${oneJobs} jobs)` },
  { mode: 'bulk', label: `enqueue in bulk (${bulkChunk} per call)` },
  { mode: 'process', label: `process ${jobs} no-op jobs (concurrency ${concurrency})` },
];

/**
 * Every case `rounds` times, systems interleaved within each case and round (the order rotating
 * from round to round, so none always goes first), each on a fresh schema.
 */
export async function run(): Promise<BenchSection> {
  const samples = new Map<string, number[]>();
  const notices: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const { mode, label } of modes) {
      const entries = Object.entries(systems);
      for (const [system, measure] of [...entries.slice(round % entries.length), ...entries.slice(0, round % entries.length)]) {
        const schema = freshSchema(system.replace(/[^a-z]/g, ''));
        try {
          const key = `${system}\n${label}`;
          samples.set(key, [...(samples.get(key) ?? []), await measure(mode, schema)]);
        } catch (error) {
          notices.push(`${system}, ${label}, round ${round + 1}: failed (${error instanceof Error ? error.message : String(error)})`);
        } finally {
          await dropSchema(schema);
        }
      }
    }
  }
  const rows: BenchRow[] = modes.flatMap(({ label }) =>
    Object.keys(systems).flatMap((system) => {
      const values = samples.get(`${system}\n${label}`) ?? [];
      if (values.length === 0) return [];
      return [{ system, case: label, value: Math.round(median(values)), unit: 'jobs/s' as const, extra: { rounds: values.length, min: Math.round(Math.min(...values)), max: Math.round(Math.max(...values)) } }];
    }),
  );
  const value = (system: string, mode: Mode): number | undefined => rows.find((row) => row.system === system && row.case === modes.find((entry) => entry.mode === mode)?.label)?.value;
  const ratios: BenchRatio[] = modes.flatMap(({ mode, label }) =>
    ['graphile-worker', 'pg-boss'].map((peer) => ({ name: `errand ÷ ${peer}, ${label}`, value: ratio(value('errand/postgres', mode), value(peer, mode)), target: 1 })),
  );
  return { title: `Durable jobs on Postgres (jobs/s, higher is better; median of ${rounds} interleaved rounds)`, rows, ratios, notices };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await run();
  const { renderSections } = await import('./lib/table.js');
  process.stdout.write(`${renderSections([section])}\n`);
}
