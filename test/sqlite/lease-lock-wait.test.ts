/**
 * A claim or a heartbeat that waited for another process's write lock gives a full lease, counted
 * from when it got the lock. Both read the clock before waiting: a claim that waited seconds behind
 * busy processes gave a lease that much shorter (and judged lapsed leases and liveness records by a
 * time already past), and a heartbeat extended it by that much less.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { until } from '../support/json-line-process.js';
import { scratchProcesses } from './scratch-processes.js';

const { dir, children } = scratchProcesses('errand-sqlite-lease-lock-');
const leaseMs = 10_000;

/**
 * Starts a process that holds the file's write lock and, once it does, tells it to keep it until 41 ms
 * past a reading 1.5 s ahead (write-lock.fixture.ts with WINDOW_MS 1). Resolves with the time the lock
 * is released at the earliest, and the process's exit.
 */
async function holdLock(path: string): Promise<{ releasedFrom: number; exited: Promise<number | null> }> {
  const holder = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./write-lock.fixture.ts', import.meta.url))], { env: { ...process.env, ERRAND_SQLITE: path, WINDOW_MS: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(holder);
  const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
  let out = '';
  holder.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until(() => out.startsWith('locked\n'), 60_000, 'the other process to hold the write lock');
  const reading = Date.now() + 1_500;
  holder.stdin.write(`${reading}\n`);
  return { releasedFrom: reading + 41, exited };
}

it('gives a claim that waited for the write lock a lease of leaseMs from when it got the lock', async () => {
  const path = join(dir(), 'claim.db');
  const backend = createSqliteBackend({ path, busyTimeoutMs: 60_000 });
  try {
    const now = Date.now();
    await backend.enqueue([{ id: 'waited', task: 'nap', payload: undefined, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }]);
    const { releasedFrom, exited } = await holdLock(path);
    // Synchronous: returns once the holder committed and the claim took the lock.
    const [job] = await backend.claim({ workerId: 'w', tasks: ['nap'], limit: 1, leaseMs, waitMs: 0 });
    expect(await exited).toBe(0);
    expect(job?.leaseUntil).toBeGreaterThanOrEqual(releasedFrom + leaseMs);
  } finally {
    await backend.close();
  }
}, 120_000);

it('extends a lease by leaseMs from when a heartbeat that waited for the write lock got it', async () => {
  const path = join(dir(), 'heartbeat.db');
  const backend = createSqliteBackend({ path, busyTimeoutMs: 60_000 });
  try {
    const now = Date.now();
    await backend.enqueue([{ id: 'held', task: 'nap', payload: undefined, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }]);
    const [job] = await backend.claim({ workerId: 'w', tasks: ['nap'], limit: 1, leaseMs, waitMs: 0 });
    if (job === undefined) throw new Error('the job was not claimed');
    const { releasedFrom, exited } = await holdLock(path);
    expect(await backend.heartbeat([job], leaseMs)).toEqual(['held']);
    expect(await exited).toBe(0);
    const db = new Database(path, { readonly: true });
    try {
      const leaseUntil = db.prepare('SELECT lease_until FROM errand_jobs WHERE id = ?').pluck().get('held') as number;
      expect(leaseUntil).toBeGreaterThanOrEqual(releasedFrom + leaseMs);
    } finally {
      db.close();
    }
  } finally {
    await backend.close();
  }
}, 120_000);
