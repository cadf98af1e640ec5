import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';
import { spawnJsonLines, until, type JsonLineProcess } from '../support/json-line-process.js';

const redisUp = await redisAvailable();
const prefix = uniqueRedisPrefix('multi');
const queueUrl = `${testRedisUrl}/0?prefix=${prefix}`;
const jobs = 300;
const children: ChildProcess[] = [];

type Line = { event: 'ready'; pid: number } | { event: 'ran'; jobId: string; pid: number } | { event: 'enqueued'; ids: string[] };

/** Spawns a fixture and hands each JSON line it prints to `onLine`. */
function start(fixture: string, onLine: (line: Line) => void): JsonLineProcess {
  return spawnJsonLines(new URL(fixture, import.meta.url), { ERRAND_QUEUE: queueUrl, JOBS: String(jobs) }, onLine, children);
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
    // A deadline against a hang: two processes booting through tsx took past 30 s at load average 13.
    await until(() => ready.size === 2, 120_000, 'both workers to start');
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
