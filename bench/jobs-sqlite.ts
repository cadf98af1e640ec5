/**
 * jobs-sqlite: what the embedded backend costs, beside plainjob (the SQLite queue it must beat 4×)
 * and the raw SQLite limit (one transaction per claim + complete, plain better-sqlite3), all on
 * this machine in one run. Enqueue one by one, 100 at a time (concurrent calls, which the queue
 * coalesces) and in bulk; process N no-op jobs through errand's
 * worker. Rounds are interleaved (errand, plainjob, raw, errand, …) and medians reported.
 *
 * `npx tsx bench/jobs-sqlite.ts` prints the table; `npm run bench -- --only jobs-sqlite` includes
 * it in the full report. ERRAND_BENCH_JOBS (default 20000) and ERRAND_BENCH_ROUNDS (default 3)
 * make a smoke run small.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker } from 'plainjob';
import { createSqliteBackend, type SqliteDriverName } from '../src/backends/sqlite/index.js';
import { availableSqliteDrivers } from '../src/backends/sqlite/open-database.js';
import { defineTask } from '../src/jobs/define-task.js';
import { createQueue } from '../src/jobs/queue.js';
import { createWorker } from '../src/jobs/worker.js';
import { median, ratio } from './lib/stats.js';
import type { BenchRatio, BenchRow, BenchSection } from './section.js';

const jobs = Number(process.env.ERRAND_BENCH_JOBS ?? 20_000);
const rounds = Number(process.env.ERRAND_BENCH_ROUNDS ?? 3);
const bulkChunk = 1_000;
const inFlight = 100;
const noop = defineTask<{ n: number }>('noop', { handler: () => undefined, retries: 0 });
const quietLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

type Measure = (path: string) => Promise<number>;
const payloads = (): { n: number }[] => Array.from({ length: jobs }, (_, n) => ({ n }));

/** Jobs per second of `work` on `count` jobs. */
async function rate(count: number, work: () => Promise<void> | void): Promise<number> {
  const started = performance.now();
  await work();
  return (count * 1000) / (performance.now() - started);
}

/** errand's cases on one SQLite driver. */
const errandOn = (driver: SqliteDriverName) => ({
  enqueueOne: async (path: string): Promise<number> => {
    const backend = createSqliteBackend({ path, driver });
    const queue = createQueue({ backend });
    const items = payloads();
    const result = await rate(jobs, async () => {
      for (const payload of items) await queue.enqueue(noop, payload);
    });
    await backend.close();
    return result;
  },
  /** 100 enqueues in flight at a time (`Promise.all`), as concurrent requests would issue them: the queue stores each group in one transaction. */
  enqueueConcurrent: async (path: string): Promise<number> => {
    const backend = createSqliteBackend({ path, driver });
    const queue = createQueue({ backend });
    const items = payloads();
    const result = await rate(jobs, async () => {
      for (let at = 0; at < items.length; at += inFlight) await Promise.all(items.slice(at, at + inFlight).map((payload) => queue.enqueue(noop, payload)));
    });
    await backend.close();
    return result;
  },
  enqueueBulk: async (path: string): Promise<number> => {
    const backend = createSqliteBackend({ path, driver });
    const queue = createQueue({ backend });
    const items = payloads().map((payload) => ({ task: noop, payload }));
    const result = await rate(jobs, async () => {
      for (let at = 0; at < items.length; at += bulkChunk) await queue.enqueueMany(items.slice(at, at + bulkChunk));
    });
    await backend.close();
    return result;
  },
  process: async (path: string): Promise<number> => {
    const backend = createSqliteBackend({ path, driver });
    const queue = createQueue({ backend });
    const items = payloads().map((payload) => ({ task: noop, payload }));
    for (let at = 0; at < items.length; at += bulkChunk) await queue.enqueueMany(items.slice(at, at + bulkChunk));
    const worker = createWorker({ backend, tasks: [noop], concurrency: 500, batchSize: 500, pruneIntervalMs: 0, logger: quietLogger });
    let done = 0;
    let finish = (): void => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    worker.on('job:succeeded', () => {
      done += 1;
      if (done === jobs) finish();
    });
    const result = await rate(jobs, async () => {
      worker.start();
      await finished;
    });
    await worker.stop();
    await backend.close();
    return result;
  },
});
const errand = errandOn('better-sqlite3');
/** node:sqlite (Node 22.13 and later) beside better-sqlite3, on the two cases that tell them apart. */
const nodeSqlite = availableSqliteDrivers().includes('node:sqlite') ? errandOn('node:sqlite') : undefined;

const plainjob = {
  enqueueOne: async (path: string): Promise<number> => {
    const db = new Database(path);
    const queue = defineQueue({ connection: better(db), logger: quietLogger });
    const result = await rate(jobs, () => {
      for (const payload of payloads()) queue.add('noop', payload);
    });
    queue.close();
    db.close();
    return result;
  },
  enqueueBulk: async (path: string): Promise<number> => {
    const db = new Database(path);
    const queue = defineQueue({ connection: better(db), logger: quietLogger });
    const items = payloads();
    const result = await rate(jobs, () => {
      for (let at = 0; at < items.length; at += bulkChunk) queue.addMany('noop', items.slice(at, at + bulkChunk));
    });
    queue.close();
    db.close();
    return result;
  },
  process: async (path: string): Promise<number> => {
    const db = new Database(path);
    const queue = defineQueue({ connection: better(db), logger: quietLogger });
    const items = payloads();
    for (let at = 0; at < items.length; at += bulkChunk) queue.addMany('noop', items.slice(at, at + bulkChunk));
    let done = 0;
    let finish = (): void => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const worker = defineWorker('noop', () => Promise.resolve(), {
      queue,
      logger: quietLogger,
      pollIntervall: 10,
      onCompleted: () => {
        done += 1;
        if (done === jobs) finish();
      },
    });
    const result = await rate(jobs, async () => {
      void worker.start();
      await finished;
    });
    await worker.stop();
    queue.close();
    db.close();
    return result;
  },
};

/** The floor under any SQLite queue: per job, one IMMEDIATE transaction that claims it and marks it done. */
const raw = {
  enqueueOne: async (path: string): Promise<number> => {
    const db = rawDatabase(path);
    const insert = db.prepare(`INSERT INTO jobs (task, payload, state, run_at) VALUES ('noop', ?, 'queued', 0)`);
    const result = await rate(jobs, () => {
      for (const payload of payloads()) insert.run(JSON.stringify(payload));
    });
    db.close();
    return result;
  },
  process: async (path: string): Promise<number> => {
    const db = rawDatabase(path);
    const insert = db.prepare(`INSERT INTO jobs (task, payload, state, run_at) VALUES ('noop', ?, 'queued', 0)`);
    db.transaction(() => {
      for (const payload of payloads()) insert.run(JSON.stringify(payload));
    })();
    const claim = db.prepare(`UPDATE jobs SET state = 'running' WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY run_at, id LIMIT 1) RETURNING id, payload`);
    const complete = db.prepare(`UPDATE jobs SET state = 'done' WHERE id = ?`);
    const cycle = db.transaction((): boolean => {
      const row = claim.get() as { id: number; payload: string } | undefined;
      if (row === undefined) return false;
      JSON.parse(row.payload);
      complete.run(row.id);
      return true;
    });
    const result = await rate(jobs, () => {
      while (cycle.immediate());
    });
    db.close();
    return result;
  },
};

function rawDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, task TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, run_at INTEGER NOT NULL);
           CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE state = 'queued';`);
  return db;
}

const cases: { system: string; case: string; measure: Measure }[] = [
  { system: 'errand/sqlite', case: 'enqueue one by one', measure: errand.enqueueOne },
  { system: 'plainjob', case: 'enqueue one by one', measure: plainjob.enqueueOne },
  { system: 'raw sqlite', case: 'enqueue one by one', measure: raw.enqueueOne },
  { system: 'errand/sqlite', case: `enqueue ${inFlight} at a time (Promise.all)`, measure: errand.enqueueConcurrent },
  { system: 'errand/sqlite', case: `enqueue in bulk (${bulkChunk} per call)`, measure: errand.enqueueBulk },
  { system: 'plainjob', case: `enqueue in bulk (${bulkChunk} per call)`, measure: plainjob.enqueueBulk },
  { system: 'errand/sqlite', case: `process ${jobs} no-op jobs`, measure: errand.process },
  { system: 'plainjob', case: `process ${jobs} no-op jobs`, measure: plainjob.process },
  { system: 'raw sqlite', case: `process ${jobs} no-op jobs`, measure: raw.process },
  ...(nodeSqlite === undefined
    ? []
    : [
        { system: 'errand/node:sqlite', case: 'enqueue one by one', measure: nodeSqlite.enqueueOne },
        { system: 'errand/node:sqlite', case: `process ${jobs} no-op jobs`, measure: nodeSqlite.process },
      ]),
];

/** Runs every case `rounds` times, interleaved, each on a fresh database file. */
export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'errand-bench-sqlite-'));
  const samples = cases.map(() => [] as number[]);
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const [index, entry] of cases.entries()) {
        const path = join(dir, `r${round}-${index}.db`);
        samples[index]?.push(await entry.measure(path));
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: BenchRow[] = cases.map((entry, index) => ({
    system: entry.system,
    case: entry.case,
    value: Math.round(median(samples[index] ?? [])),
    unit: 'jobs/s',
    extra: { rounds, min: Math.round(Math.min(...(samples[index] ?? []))), max: Math.round(Math.max(...(samples[index] ?? []))) },
  }));
  const value = (system: string, prefix: string): number | undefined => rows.find((row) => row.system === system && row.case.startsWith(prefix))?.value;
  const ratios: BenchRatio[] = [
    { name: 'errand ÷ plainjob, process no-op jobs', value: ratio(value('errand/sqlite', 'process'), value('plainjob', 'process')), target: 4 },
    { name: 'errand processing ÷ 40,000 jobs/s target', value: ratio(value('errand/sqlite', 'process'), 40_000), target: 1 },
    { name: 'errand ÷ raw SQLite limit, process no-op jobs', value: ratio(value('errand/sqlite', 'process'), value('raw sqlite', 'process')) },
    { name: 'errand enqueue one by one ÷ 30,000 jobs/s target', value: ratio(value('errand/sqlite', 'enqueue one'), 30_000), target: 1 },
    { name: 'errand ÷ plainjob, enqueue one by one', value: ratio(value('errand/sqlite', 'enqueue one'), value('plainjob', 'enqueue one')) },
    { name: 'errand ÷ plainjob, enqueue in bulk', value: ratio(value('errand/sqlite', 'enqueue in bulk'), value('plainjob', 'enqueue in bulk')) },
  ];
  const notices = jobs === 20_000 ? [] : [`ERRAND_BENCH_JOBS=${jobs}: not the 20,000 jobs the targets are stated for`];
  return { title: 'Durable jobs on SQLite (jobs/s, higher is better)', rows, ratios, notices };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await run();
  const { renderSections } = await import('./lib/table.js');
  process.stdout.write(`${renderSections([section])}\n`);
}
