/**
 * rate-limit-accuracy: does a limit of 100 jobs/s hold across 4 worker processes? For SQLite (one
 * file) and Redis (one prefix), four worker processes run a task limited to 100 per 1 s window while
 * this process enqueues 150 jobs/s (a backlog that grows, so the limit is what holds the rate back).
 * Every handler start is printed by its process with its time; after a few seconds of warm-up, the
 * starts are counted per 1 s window (the windows the limit uses, aligned to the epoch) for
 * `seconds` windows. Reported: starts/s over them (target 100 ± 2%) and the fewest and most in
 * one window.
 *
 * `npx tsx bench/rate-limit-accuracy.ts [--duration S]` (default 60 windows) prints the figures;
 * `npm run bench -- --only rate-limit [--rate-seconds S]` includes them in the full report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedisBackend } from '../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../src/backends/sqlite/index.js';
import type { JobBackend } from '../src/jobs/backend.js';
import type { NewJob } from '../src/jobs/job.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../src/testing/redis.js';
import type { BenchArgs } from './lib/args.js';
import type { BenchRatio, BenchRow, BenchSection } from './section.js';

const limit = 100;
const intervalMs = 1_000;
const processes = 4;
/** Jobs enqueued per second: half again the limit. */
const arrivalPerSecond = 150;
/** Windows skipped before counting: the processes start claiming and the backlog builds. */
const warmupWindows = 3;

interface Figures {
  windows: number[];
}

function progress(message: string): void {
  process.stderr.write(`[rate-limit] ${message}\n`);
}

function startWorkers(env: NodeJS.ProcessEnv, onStart: (at: number) => void, onReady: () => void): ChildProcess[] {
  const script = fileURLToPath(new URL('./lib/rate-limit-worker.ts', import.meta.url));
  return Array.from({ length: processes }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env, LIMIT: String(limit), INTERVAL_MS: String(intervalMs) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ran ')) onStart(Number(line.slice(4)));
        else if (line === 'ready') onReady();
      }
    });
    return child;
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the four workers against `backend`'s queue (reached by `env`) and counts starts per window. */
async function measure(backend: JobBackend, env: NodeJS.ProcessEnv, seconds: number): Promise<Figures> {
  const starts: number[] = [];
  let ready = 0;
  const children = startWorkers(env, (at) => starts.push(at), () => (ready += 1));
  try {
    while (ready < processes) await sleep(50);
    const begin = Date.now();
    const firstWindow = Math.floor(begin / intervalMs) + warmupWindows;
    const end = (firstWindow + seconds) * intervalMs;
    let enqueued = 0;
    while (Date.now() < end + intervalMs) {
      const due = Math.floor(((Date.now() - begin) * arrivalPerSecond) / 1000) - enqueued;
      if (due > 0) {
        const now = Date.now();
        const jobs: NewJob[] = Array.from({ length: due }, (_, n) => ({ id: `limited-${enqueued + n}`, task: 'limited', payload: {}, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }));
        await backend.enqueue(jobs);
        enqueued += due;
      }
      await sleep(100);
    }
    const windows = Array.from({ length: seconds }, () => 0);
    for (const at of starts) {
      const index = Math.floor(at / intervalMs) - firstWindow;
      if (index >= 0 && index < seconds) windows[index] = (windows[index] ?? 0) + 1;
    }
    return { windows };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()))));
    await backend.close();
  }
}

function rowOf(system: string, seconds: number, figures: Figures): BenchRow {
  const total = figures.windows.reduce((sum, n) => sum + n, 0);
  const perSecond = total / seconds;
  return {
    system,
    case: `limit ${limit}/s, ${processes} worker processes, ${seconds} s`,
    value: Number(perSecond.toFixed(2)),
    unit: 'jobs/s',
    extra: { total, deviationPercent: Number((((perSecond - limit) / limit) * 100).toFixed(2)), minPerWindow: Math.min(...figures.windows), maxPerWindow: Math.max(...figures.windows) },
  };
}

/** The section for `npm run bench`: SQLite, then Redis when it answers. */
export async function run(args?: Partial<BenchArgs>): Promise<BenchSection> {
  const seconds = args?.rateSeconds ?? 60;
  const rows: BenchRow[] = [];
  const ratios: BenchRatio[] = [];
  const notices: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'errand-rate-bench-'));
  try {
    const path = join(dir, 'limited.db');
    progress(`sqlite, ${seconds} windows`);
    rows.push(rowOf('errand sqlite', seconds, await measure(createSqliteBackend({ path, busyTimeoutMs: 10_000 }), { ERRAND_SQLITE: path }, seconds)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (await redisAvailable()) {
    const prefix = uniqueRedisPrefix('rate-bench');
    try {
      progress(`redis, ${seconds} windows`);
      rows.push(rowOf('errand redis', seconds, await measure(createRedisBackend({ url: testRedisUrl, prefix }), { ERRAND_REDIS_URL: testRedisUrl, ERRAND_REDIS_PREFIX: prefix }, seconds)));
    } finally {
      await deleteRedisPrefix(prefix);
    }
  } else notices.push(`rate-limit: Redis not reachable at ${testRedisUrl}, its row skipped`);
  for (const row of rows) ratios.push({ name: `${row.system} starts/s vs its limit of ${limit}/s (±2%)`, value: row.value / limit, target: 1 });
  return { title: `Rate limit accuracy (${limit} jobs/s, ${processes} processes)`, rows, ratios, notices };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = process.argv.indexOf('--duration');
  const section = await run({ rateSeconds: flag >= 0 ? Number(process.argv[flag + 1]) : 60 });
  for (const row of section.rows) console.log(`${row.system.padEnd(14)} ${row.case}: ${row.value} starts/s, ${JSON.stringify(row.extra)}`);
  for (const notice of section.notices) console.log(notice);
}
