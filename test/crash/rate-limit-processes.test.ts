/**
 * A rate limit holds across worker processes: four processes share one SQLite file, one Redis prefix
 * or one Postgres schema and run 200 jobs of a task limited to 25 per second. Every job runs once,
 * with one attempt (waiting for a window uses none), and the starts spread over at least the eight
 * windows the limit needs.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
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
    await until(() => runs.size === jobs, 120_000, 'every job to run');
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
    await backend.close();
  }
}

const queues = await everyBackendQueue('rate-limit', children);

describe('a rate limit across four worker processes', () => {
  for (const { label, url, up } of queues) it.skipIf(!up)(`${label}: every job once, one attempt each, spread over the windows the limit needs`, () => runLimited(url), 240_000);
});
