/**
 * A rate limit holds across worker processes: four processes share one SQLite file, one Redis prefix
 * or one Postgres schema and run 200 jobs of a task limited to 25 per second. Every job runs once,
 * with one attempt (waiting for a window uses none), and the starts spread over at least the eight
 * windows the limit needs.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { livenessPath } from '../../src/backends/sqlite/liveness-records.js';
import { everyBackendQueue } from './every-backend-queue.js';
import { openBackend } from './open-backend.js';
import { spawnJsonLines, until, type JsonLineProcess } from '../support/json-line-process.js';

const limit = 25;
const intervalMs = 1_000;
const jobs = 200;
const processes = 4;
const children: ChildProcess[] = [];

type Line = { event: 'ready'; pid: number } | { event: 'ran'; jobId: string; at: number; pid: number };

function start(queueUrl: string, onLine: (line: Line) => void): JsonLineProcess {
  return spawnJsonLines(new URL('./rate-limit-worker.fixture.ts', import.meta.url), { ERRAND_QUEUE: queueUrl, LIMIT: String(limit), INTERVAL_MS: String(intervalMs) }, onLine, children);
}

async function runLimited(queueUrl: string): Promise<void> {
  const ready = new Set<number>();
  const runs = new Map<string, number[]>();
  const backend = await openBackend(queueUrl);
  const beats = watchBeats(queueUrl);
  const workers = Array.from({ length: processes }, () =>
    start(queueUrl, (line) => {
      if (line.event === 'ready') ready.add(line.pid);
      else runs.set(line.jobId, [...(runs.get(line.jobId) ?? []), line.at]);
    }),
  );
  try {
    await until(() => ready.size === processes, 60_000, 'the workers to start');
    const now = Date.now();
    await backend.enqueue(Array.from({ length: jobs }, (_, n) => ({ id: `limited-${n}`, task: 'limited', payload: { n }, runAt: now, priority: 0, maxAttempts: 1, createdAt: now })));
    await until(() => runs.size === jobs, 120_000, 'every job to run').catch(async (error: unknown) => {
      // Say what became of the jobs that never started (their state and history), not only that they did not.
      const missing = await Promise.all(Array.from({ length: jobs }, (_, n) => `limited-${n}`).filter((id) => !runs.has(id)).slice(0, 5).map((id) => backend.get(id)));
      process.stderr.write(`${jobs - runs.size} jobs never started; the first: ${JSON.stringify(missing.map((job) => job && { id: job.id, state: job.state, attempts: job.attempts, history: job.history }))}\n`);
      throw error;
    });
    for (const { child } of workers) child.kill('SIGTERM');
    expect(await Promise.all(workers.map(({ exited }) => exited))).toEqual([0, 0, 0, 0]);
    expect([...runs.values()].filter((starts) => starts.length !== 1)).toEqual([]);
    const page = await backend.list({ task: 'limited', state: 'succeeded', limit: jobs });
    expect(page.total).toBe(jobs);
    expect(page.jobs.every((job) => job.attempts === 1)).toBe(true);
    const starts = [...runs.values()].map(([at]) => at ?? 0).sort((a, b) => a - b);
    const first = starts[0] ?? 0;
    const last = starts.at(-1) ?? 0;
    // 200 starts at 25 per window need 8 windows: the first and the last start are more than 5 whole windows apart (a start runs a little after its grant).
    const perWindow = new Map<number, number>();
    for (const at of starts) perWindow.set(Math.floor(at / intervalMs), (perWindow.get(Math.floor(at / intervalMs)) ?? 0) + 1);
    process.stderr.write(`${queueUrl.split(':')[0]}: ${jobs} starts over ${last - first} ms (${((jobs * 1000) / (last - first)).toFixed(1)}/s against a limit of ${(limit * 1000) / intervalMs}/s); starts per window by handler time: ${[...perWindow.values()].join(' ')}\n`);
    expect(last - first).toBeGreaterThan(5 * intervalMs);
  } finally {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    beats?.stop();
    await backend.close();
  }
}

/**
 * SQLite: reads the workers' liveness records (the liveness file beside the queue) every 100 ms (a
 * WAL reader, no lock) and prints, at the end, each worker's longest time without a stored beat and
 * each lapse seen: a live worker whose record lapses has its jobs taken back, and with one attempt
 * each they go dead.
 */
function watchBeats(queueUrl: string): { stop(): void } | undefined {
  const parsed = new URL(queueUrl);
  if (parsed.protocol !== 'sqlite:' && parsed.protocol !== 'file:') return undefined;
  const path = livenessPath(fileURLToPath(`file://${parsed.pathname}`));
  // The workers create the file with their first beat: until it holds the table, try again at the next tick.
  let read: Database.Statement | undefined;
  let db: Database.Database | undefined;
  const longest = new Map<string, number>();
  const lapses: string[] = [];
  const timer = setInterval(() => {
    if (read === undefined) {
      if (!existsSync(path)) return;
      db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        read = db.prepare('SELECT id, beat_at, alive_until FROM errand_workers');
      } catch {
        db.close();
        db = undefined;
        return;
      }
    }
    const now = Date.now();
    for (const { id, beat_at: beatAt, alive_until: aliveUntil } of read.all() as { id: string; beat_at: number; alive_until: number }[]) {
      longest.set(id, Math.max(longest.get(id) ?? 0, now - beatAt));
      if (aliveUntil <= now) lapses.push(`${id} lapsed ${now - aliveUntil} ms ago (last beat ${now - beatAt} ms ago)`);
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      db?.close();
      process.stderr.write(`longest time without a stored beat: ${[...longest].map(([id, ms]) => `${id} ${ms} ms`).join(', ')}; ${lapses.length} lapses seen${lapses.length > 0 ? `, the first: ${lapses.slice(0, 5).join('; ')}` : ''}\n`);
    },
  };
}

const queues = await everyBackendQueue('rate-limit', children);

describe('a rate limit across four worker processes', () => {
  for (const { label, url, up } of queues) it.skipIf(!up)(`${label}: every job once, one attempt each, spread over the windows the limit needs`, () => runLimited(url), 240_000);
});
