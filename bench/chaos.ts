import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dropPostgresSchema, testPostgresUrl, uniquePostgresSchema } from '../src/testing/postgres.js';
import { deleteRedisPrefix } from '../src/testing/redis.js';
import { runCrashRun, type CrashReport } from '../test/crash/crash-run.js';

/*
 * `npm run chaos -- [--backends sqlite,redis,postgres] [--kills 1000] [--minutes M] [--workers 6] [--redis redis://127.0.0.1:6379]
 *   [--postgres postgres://postgres@127.0.0.1:5432/postgres]` (Postgres: a fresh schema per run, dropped afterwards)
 *
 * Runs worker processes with the library's DEFAULT settings (lease 30 s, liveness every 0.5 s valid
 * 3 s), keeps them busy with jobs that nap 0.3-0.8 s and write a side effect, and kill -9s one in the
 * middle of a job, --kills times per backend, starting a replacement each time. Then it lets the queue
 * drain and prints, per backend: jobs, kills, lost (record gone), stuck (not finished after the
 * drain), dead, duplicated side effects (a job whose effect ran to the end twice: its worker was killed
 * after the work and before the completion was stored; at-least-once allows it), double completions
 * (a result stored twice, or by a stale attempt; fencing forbids it), and the time from a kill to the
 * interrupted job starting again (p50, max). Run it niced on a shared machine.
 */
const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'sqlite,redis' },
    kills: { type: 'string', default: '1000' },
    // Stop killing after this many minutes per backend (fewer kills than asked; the table says how many).
    minutes: { type: 'string' },
    workers: { type: 'string', default: '6' },
    redis: { type: 'string', default: process.env.ERRAND_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    postgres: { type: 'string', default: testPostgresUrl },
  },
});
const kills = Number(values.kills);
const workers = Number(values.workers);
const backends = values.backends.split(',').map((name) => name.trim());

interface ChaosRow {
  backend: string;
  jobs: number;
  kills: number;
  lost: number;
  stuck: number;
  dead: number;
  duplicatedEffects: number;
  doubleCompletions: number;
  recoveryP50Ms: number;
  recoveryP99Ms: number;
  recoveryMaxMs: number;
  /** Recoveries of a job whose next claim was lost too (its new holder killed before it started). */
  claimedAgainLost: number;
  minutes: number;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN);
}

/** Job ids whose side effect was logged more than once. */
function duplicated(path: string): number {
  if (!existsSync(path)) return 0;
  const seen = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const id = line.split(' ')[0];
    if (id !== undefined && id !== '') seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen.values()].filter((count) => count > 1).length;
}

function row(backend: string, report: CrashReport, effectsPath: string): ChaosRow {
  const states = report.lost.map((job) => job.state);
  return {
    backend,
    jobs: report.enqueued,
    kills: report.kills.length,
    lost: states.filter((state) => state === 'missing').length,
    stuck: states.filter((state) => state !== 'missing' && state !== 'dead').length + report.unrecovered.length,
    dead: states.filter((state) => state === 'dead').length,
    duplicatedEffects: duplicated(effectsPath),
    doubleCompletions: report.completedTwice.length + report.mismatched.length,
    recoveryP50Ms: percentile(report.recoveriesMs, 0.5),
    recoveryP99Ms: percentile(report.recoveriesMs, 0.99),
    recoveryMaxMs: percentile(report.recoveriesMs, 1),
    claimedAgainLost: report.recoveryAttemptGaps.filter((gap) => gap > 1).length,
    minutes: Math.round(report.durationMs / 6_000) / 10,
  };
}

async function runOne(backend: string): Promise<ChaosRow> {
  const dir = mkdtempSync(join(tmpdir(), `errand-chaos-${backend}-`));
  const prefix = `errand-chaos-${randomUUID().slice(0, 8)}`;
  const schema = uniquePostgresSchema('chaos');
  const postgresUrl = new URL(values.postgres);
  postgresUrl.searchParams.set('schema', schema);
  const urls: Record<string, string> = {
    sqlite: `sqlite://${join(dir, 'jobs.db')}`,
    redis: `${values.redis.replace(/\/$/, '')}/0?prefix=${prefix}`,
    postgres: postgresUrl.toString(),
  };
  const queueUrl = urls[backend];
  if (queueUrl === undefined) throw new Error(`chaos: unknown backend "${backend}" (sqlite, redis or postgres)`);
  const effectsPath = join(dir, 'effects.log');
  try {
    const report = await runCrashRun({
      queueUrl,
      logPath: join(dir, 'completions.log'),
      effectsPath,
      kills,
      workers,
      killingMs: values.minutes === undefined ? undefined : Number(values.minutes) * 60_000,
      defaults: true,
      log: (line) => {
        const count = Number(/(\d+) kills/.exec(line)?.[1] ?? 0);
        if (count % 100 === 0) process.stderr.write(`[${backend}] ${line}\n`);
      },
    });
    // Each job counted as lost or stuck, so that a failure can be looked into, not only counted.
    for (const job of report.lost) process.stderr.write(`[${backend}] not finished: ${job.id} (${job.state})\n`);
    for (const id of report.unrecovered) process.stderr.write(`[${backend}] killed mid-run, never ran again: ${id}\n`);
    // Every recovery time, for a distribution beyond p50/p99/max (ERRAND_CHAOS_RECOVERIES=path).
    const recoveriesPath = process.env.ERRAND_CHAOS_RECOVERIES;
    if (recoveriesPath !== undefined) {
      const recoveries = report.recoveriesMs.map((ms, index) => ({ ms: Math.round(ms), attemptGap: report.recoveryAttemptGaps[index] }));
      writeFileSync(`${recoveriesPath}.${backend}.json`, JSON.stringify(recoveries));
    }
    return row(backend, report, effectsPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (backend === 'redis') await deleteRedisPrefix(prefix, values.redis);
    if (backend === 'postgres') await dropPostgresSchema(schema, values.postgres);
  }
}

const rows: ChaosRow[] = [];
for (const backend of backends) rows.push(await runOne(backend));
const header = ['backend', 'jobs', 'kills', 'lost', 'stuck', 'dead', 'duplicated side effects', 'double completions', 'recovery p50 (ms)', 'recovery p99 (ms)', 'recovery max (ms)', 'of which claimed again and lost', 'minutes'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) {
  console.log(`| ${[r.backend, r.jobs, r.kills, r.lost, r.stuck, r.dead, r.duplicatedEffects, r.doubleCompletions, r.recoveryP50Ms, r.recoveryP99Ms, r.recoveryMaxMs, r.claimedAgainLost, r.minutes].join(' | ')} |`);
}
console.log(`\n${kills} kills asked per backend${values.minutes === undefined ? '' : ` (killing stopped after ${values.minutes} min)`}, ${workers} worker processes, library defaults (lease 30 s, liveness 0.5 s / 3 s), node ${process.version}`);
