import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';

const redisUp = await redisAvailable();
const prefix = uniqueRedisPrefix('multi');
const queueUrl = `${testRedisUrl}/0?prefix=${prefix}`;
const jobs = 300;
const children: ChildProcess[] = [];

type Line = { event: 'ready'; pid: number } | { event: 'ran'; jobId: string; pid: number } | { event: 'enqueued'; ids: string[] };

/** Spawns a fixture and hands each JSON line it prints to `onLine`. */
function start(fixture: string, onLine: (line: Line) => void): { child: ChildProcess; exited: Promise<number | null> } {
  const path = fileURLToPath(new URL(fixture, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path], { env: { ...process.env, ERRAND_QUEUE: queueUrl, JOBS: String(jobs) }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('{')) onLine(JSON.parse(line) as Line);
    }
  });
  return { child, exited };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (redisUp) await deleteRedisPrefix(prefix);
});

describe.skipIf(!redisUp)('one producer and two worker processes on one Redis queue', () => {
  it('runs every job, once, spread over both workers', async () => {
    const runs = new Map<string, number[]>();
    const ready = new Set<number>();
    const onWorkerLine = (line: Line): void => {
      if (line.event === 'ready') ready.add(line.pid);
      if (line.event === 'ran') runs.set(line.jobId, [...(runs.get(line.jobId) ?? []), line.pid]);
    };
    const workers = [start('./worker.fixture.ts', onWorkerLine), start('./worker.fixture.ts', onWorkerLine)];
    await until(() => ready.size === 2, 30_000, 'both workers to start');
    let enqueued: string[] = [];
    const producer = start('./producer.fixture.ts', (line) => {
      if (line.event === 'enqueued') enqueued = line.ids;
    });
    expect(await producer.exited).toBe(0);
    expect(enqueued).toHaveLength(jobs);

    const backend = createRedisBackend({ url: testRedisUrl, prefix });
    try {
      await until(() => runs.size === jobs, 60_000, 'every job to run');
      // Let any duplicate claim surface before counting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stats = await backend.stats();
      expect(stats.counts.succeeded).toBe(jobs);
      expect(stats.counts).toMatchObject({ queued: 0, running: 0, dead: 0, retrying: 0 });
    } finally {
      for (const { child } of workers) child.kill('SIGTERM');
      const codes = await Promise.all(workers.map(({ exited }) => exited));
      await backend.close();
      expect(codes).toEqual([0, 0]);
    }
    expect(new Set(enqueued)).toEqual(new Set(runs.keys()));
    const twice = [...runs].filter(([, pids]) => pids.length !== 1);
    expect(twice).toEqual([]);
    const perWorker = new Map<number, number>();
    for (const [, [pid]] of runs) if (pid !== undefined) perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
    console.log(`multi-process: ${jobs} jobs, runs per worker process ${JSON.stringify(Object.fromEntries(perWorker))}`);
    expect(perWorker.size).toBe(2);
  });
});
