import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/create-sqlite-backend.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { createQueue } from '../../src/jobs/queue.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { alwaysFails, whoRuns } from './fixtures/cli-tasks.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
const backends: JobBackend[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  for (const backend of backends.splice(0)) await backend.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function errand(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ERRAND_QUEUE: '' } });
  children.push(child);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exit };
}

describe('errand worker', () => {
  it('runs jobs from a SQLite file in several processes and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'errand-cli-'));
    dirs.push(dir);
    const path = join(dir, 'jobs.db');
    const backend = createSqliteBackend({ path });
    backends.push(backend);
    const worker = errand(['worker', '--tasks', 'test/cli/fixtures/cli-tasks.ts', '--queue', `sqlite:${path}`, '--processes', '2', '--concurrency', '2']);
    await eventually(() => expect(worker.output().match(/worker started/g)).toHaveLength(2), 120_000, 100);
    const ids = await createQueue({ backend }).enqueueMany(Array.from({ length: 24 }, () => ({ task: whoRuns, payload: 100 })));
    await eventually(async () => expect((await backend.stats()).counts.succeeded).toBe(24), 120_000, 100);
    const pids = new Set(await Promise.all(ids.map(async (id) => (await backend.get(id))?.result)));
    expect(pids.size).toBe(2);
    expect(pids.has(worker.child.pid)).toBe(false);
    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
    expect(worker.output().match(/worker stopped/g)).toHaveLength(2);
  });

  it('stops its worker processes when the supervisor is killed with -9, releasing their jobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'errand-cli-'));
    dirs.push(dir);
    const path = join(dir, 'jobs.db');
    const backend = createSqliteBackend({ path });
    backends.push(backend);
    const worker = errand(['worker', '--tasks', 'test/cli/fixtures/cli-tasks.ts', '--queue', `sqlite:${path}`, '--processes', '2', '--concurrency', '1', '--shutdown-timeout-ms', '500']);
    const started = (): number[] =>
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes('worker started'))
        .map((line) => (JSON.parse(line) as { pid: number }).pid);
    await eventually(() => expect(started()).toHaveLength(2), 120_000, 100);
    const children = started();
    // Long jobs in both workers' hands when the supervisor dies.
    const ids = await createQueue({ backend }).enqueueMany([{ task: whoRuns, payload: 60_000 }, { task: whoRuns, payload: 60_000 }]);
    await eventually(async () => expect((await backend.stats()).counts.running).toBe(2), 60_000, 100);
    worker.child.kill('SIGKILL');
    await worker.exit;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(() => expect(children.filter(alive)).toEqual([]), 60_000, 100);
    expect(worker.output()).toMatch(/the supervising process is gone/);
    // Released, not left to their leases: both jobs are queued again at once.
    for (const id of ids) expect((await backend.get(id))?.state).toBe('queued');
  });

  it('logs a failed attempt once at warn and the job\'s death once at error, with its ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'errand-cli-'));
    dirs.push(dir);
    const path = join(dir, 'jobs.db');
    const backend = createSqliteBackend({ path });
    backends.push(backend);
    const worker = errand(['worker', '--tasks', 'test/cli/fixtures/cli-tasks.ts', '--queue', `sqlite:${path}`]);
    await eventually(() => expect(worker.output()).toMatch(/worker started/), 30_000, 100);
    const id = await createQueue({ backend }).enqueue(alwaysFails, { n: 1 });
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead', attempts: 2 }), 30_000, 100);
    // The log line is written after the backend recorded the outcome: wait for it, then for stragglers.
    await eventually(() => expect(worker.output()).toMatch(/job dead/), 10_000, 100);
    worker.child.kill('SIGTERM');
    await worker.exit;
    const lines = worker.output().split('\n').filter((line) => line.includes(id)).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.level, line.attempt])).toEqual([
      [40, 1],
      [50, 2],
    ]);
    expect(lines[1]).toMatchObject({ jobId: id, task: 'always-fails', attempt: 2, maxAttempts: 2, err: { message: 'broken on purpose' } });
    expect(lines[1]?.msg).toMatch(/job dead/);
  });

  it('explains a missing --tasks and lists commands for an unknown one', async () => {
    const missing = errand(['worker', '--queue', 'memory:']);
    expect(await missing.exit).toBe(2);
    expect(missing.output()).toMatch(/--tasks is required/);
    const unknown = errand(['nope']);
    expect(await unknown.exit).toBe(1);
    expect(unknown.output()).toMatch(/unknown command "nope"[\s\S]*worker/);
  });
});
