import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import type { JobBackend } from '../jobs/backend.js';
import { runJobs } from './jobs-command.js';
import { runStats, type CliIo } from './stats-command.js';

function capture(backend: JobBackend): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, backend, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

async function seed(backend: JobBackend): Promise<void> {
  const now = Date.now();
  const job = (id: string, task: string) => ({ id, task, payload: { n: id }, runAt: now, priority: 0, maxAttempts: 1, createdAt: now });
  await backend.enqueue([job('a', 'resize'), job('b', 'resize'), job('c', 'email'), job('d', 'email')]);
  const claimed = await backend.claim({ workerId: 'w1', tasks: ['resize', 'email'], limit: 3, leaseMs: 60_000, waitMs: 0 });
  const byId = new Map(claimed.map((c) => [c.jobId, c]));
  await backend.complete(byId.get('a')!, { ok: true });
  await backend.fail(byId.get('b')!, { error: { type: 'about:blank', title: 'Resize failed', status: 500, detail: 'bad header' }, retryAt: null });
  // c stays running, d stays queued
}

describe('errand jobs / errand stats', () => {
  let backend: JobBackend;
  beforeEach(async () => {
    backend = createMemoryBackend();
    await seed(backend);
  });
  afterEach(async () => backend.close());

  it('lists jobs filtered by state and task', async () => {
    const io = capture(backend);
    expect(await runJobs(['list', '--state', 'dead'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^b\s+resize\s+dead\s+1\/1/m);
    expect(text).not.toMatch(/^a\s/m);
    expect(text).toContain('1-1 of 1');
    const json = capture(backend);
    expect(await runJobs(['list', '--task', 'email', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0]).jobs.map((j: { id: string }) => j.id).sort()).toEqual(['c', 'd']);
  });

  it('shows a job with its error and timeline', async () => {
    const io = capture(backend);
    expect(await runJobs(['show', 'b'], io)).toBe(0);
    expect(io.stdout[0]).toContain('error      Resize failed: bad header');
    expect(io.stdout[0]).toMatch(/enqueued[\s\S]*claimed[\s\S]*failed/);
  });

  it('retries a dead job, and all dead jobs', async () => {
    const io = capture(backend);
    expect(await runJobs(['retry', 'b'], io)).toBe(0);
    expect((await backend.get('b'))!.state).toBe('queued');
    const again = capture(backend);
    expect(await runJobs(['retry', 'a'], again)).toBe(2);
    expect(again.stderr[0]).toContain('succeeded');
    const [claimed] = await backend.claim({ workerId: 'w2', tasks: ['resize'], limit: 1, leaseMs: 60_000, waitMs: 0 });
    await backend.fail(claimed, { error: { type: 'about:blank', title: 'x', status: 500 }, retryAt: null });
    const all = capture(backend);
    expect(await runJobs(['retry', '--all-dead'], all)).toBe(0);
    expect(all.stdout[0]).toBe('retried 1 dead job(s)');
  });

  it('cancels an unfinished job and refuses a finished one', async () => {
    const io = capture(backend);
    expect(await runJobs(['cancel', 'd'], io)).toBe(0);
    expect((await backend.get('d'))!.state).toBe('cancelled');
    const running = capture(backend);
    expect(await runJobs(['cancel', 'c'], running)).toBe(0);
    expect(running.stdout[0]).toContain('next heartbeat');
    const finished = capture(backend);
    expect(await runJobs(['cancel', 'a'], finished)).toBe(2);
  });

  it('answers unknown jobs and bad usage with exit codes 2 and 1', async () => {
    const io = capture(backend);
    expect(await runJobs(['show', 'nope'], io)).toBe(2);
    expect(io.stderr[0]).toContain('no job has id "nope"');
    expect(await runJobs(['frobnicate'], io)).toBe(1);
    expect(await runJobs(['list', '--state', 'lost'], io)).toBe(1);
    expect(await runJobs(['show'], io)).toBe(1);
  });

  it('prints counts by task and state', async () => {
    const io = capture(backend);
    expect(await runStats([], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^resize\s+0\s+0\s+0\s+0\s+1\s+1\s+0$/m);
    expect(io.stdout[0]).toMatch(/^\(all\)\s+1\s+0\s+1\s+0\s+1\s+1\s+0$/m);
    expect(io.stdout[1]).toMatch(/oldest waiting: \d+s/);
    const json = capture(backend);
    expect(await runStats(['--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0]).counts.dead).toBe(1);
  });
});
