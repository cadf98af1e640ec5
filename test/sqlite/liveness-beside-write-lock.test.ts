/**
 * A live worker keeps its job while another process holds the queue's write lock for longer than a
 * liveness record lives. SQLite does not queue lock waiters: among four processes busy with one file
 * on a loaded machine, a worker's liveness beat once went 3.7 to 6.8 s without the write lock, past
 * the 3 s its record lives; the next claim took the live worker's jobs back ("Lease expired") and,
 * with one attempt each, they went dead. The records now live in a file of their own beside the queue.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createWorker } from '../../src/jobs/worker.js';
import { spawnJsonLines, until } from '../support/json-line-process.js';
import { scratchProcesses } from './scratch-processes.js';

const { dir, children } = scratchProcesses('errand-sqlite-liveness-lock-');
const livenessTtlMs = 1_000;

type Line = { event: 'locked' } | { event: 'claimed'; jobIds: string[] };

it('leaves a live worker its job while another process holds the write lock three times as long as a liveness record lives', async () => {
  const path = join(dir(), 'live.db');
  const backend = createSqliteBackend({ path, busyTimeoutMs: 60_000 });
  let started = false;
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const held = defineTask('held', {
    retries: 0,
    handler: async () => {
      started = true;
      await finished;
    },
  });
  const worker = createWorker({ backend, tasks: [held], concurrency: 1, pollMs: 50, pruneIntervalMs: 0, scheduler: false, livenessTtlMs, livenessIntervalMs: 200, workerId: 'live-worker' }).start();
  try {
    const now = Date.now();
    await backend.enqueue([{ id: 'held-1', task: 'held', payload: undefined, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }]);
    await until(() => started, 60_000, 'the worker to start the job');
    let locked = false;
    let claimed: string[] | undefined;
    const holder = spawnJsonLines<Line>(new URL('./lock-then-claim.fixture.ts', import.meta.url), { ERRAND_SQLITE: path, HOLD_MS: String(3 * livenessTtlMs), TASK: 'held' }, (line) => {
      if (line.event === 'locked') locked = true;
      else claimed = line.jobIds;
    }, children);
    await until(() => locked, 60_000, 'the other process to hold the write lock');
    await until(() => claimed !== undefined, 60_000, 'the other process to release the lock and claim');
    expect(await holder.exited).toBe(0);
    // Nothing was taken back from the live worker: its job is still its first attempt, running.
    expect(claimed).toEqual([]);
    const running = await backend.get('held-1');
    expect(running).toMatchObject({ state: 'running', attempts: 1 });
    expect(running?.history.map((event) => event.type)).not.toContain('lease-expired');
    finish();
    const end = Date.now() + 60_000;
    let job = await backend.get('held-1');
    while (job?.state === 'running' && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await backend.get('held-1');
    }
    expect(job).toMatchObject({ state: 'succeeded', attempts: 1 });
  } finally {
    finish();
    await worker.stop();
    await backend.close();
  }
}, 180_000);
