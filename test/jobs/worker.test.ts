import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { isErrandError } from '../../src/errors/errand-error.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker, type WorkerOptions } from '../../src/jobs/worker.js';
import type { WorkerLogger } from '../../src/jobs/worker-logger.js';
import { eventually } from '../../src/testing/conformance-helpers.js';

const workers: Worker[] = [];
const backends: JobBackend[] = [];

function recordingLogger(): WorkerLogger & { lines: { level: string; message: string | undefined; object: object }[] } {
  const lines: { level: string; message: string | undefined; object: object }[] = [];
  const log = (level: string) => (object: object, message?: string) => void lines.push({ level, message, object });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function start(backend: JobBackend, options: Omit<WorkerOptions, 'backend'>): Worker {
  const worker = createWorker({ backend, concurrency: 4, leaseMs: 1_000, heartbeatMs: 50, pollMs: 25, pruneIntervalMs: 0, logger: recordingLogger(), ...options }).start();
  workers.push(worker);
  return worker;
}

function memory(): JobBackend {
  const backend = createMemoryBackend();
  backends.push(backend);
  return backend;
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 0 })));
  for (const backend of backends.splice(0)) await backend.close();
});

const noop = defineTask('noop', { handler: (n: number) => n });

describe('createWorker', () => {
  it('completes jobs finished together in one batched call', async () => {
    const inner = memory();
    let batches = 0;
    const completeMany = inner.completeMany?.bind(inner);
    const backend: JobBackend = { ...inner, completeMany: (completions) => (batches += 1, completeMany!(completions)) };
    const ids = await createQueue({ backend }).enqueueMany(Array.from({ length: 40 }, (_, n) => ({ task: noop, payload: n })));
    start(backend, { tasks: [noop], concurrency: 40 });
    await eventually(async () => expect((await backend.stats()).counts.succeeded).toBe(40));
    expect(batches).toBeLessThan(10);
    expect(await backend.get(ids[7])).toMatchObject({ result: 7 });
  });

  it('emits worker:ready once, before its first claim takes a job', async () => {
    const backend = memory();
    await createQueue({ backend }).enqueue(noop, 1);
    const seen: string[] = [];
    const worker = createWorker({ backend, tasks: [noop], pollMs: 25, pruneIntervalMs: 0, logger: recordingLogger(), workerId: 'w-ready' });
    workers.push(worker);
    worker.on('worker:ready', ({ workerId }) => seen.push(`ready ${workerId}`));
    worker.on('job:started', () => seen.push('started'));
    worker.start();
    await eventually(async () => expect((await backend.stats()).counts.succeeded).toBe(1));
    expect(seen).toEqual(['ready w-ready', 'started']);
  });

  it('completes one by one when the backend has no completeMany', async () => {
    const backend: JobBackend = { ...memory() };
    delete backend.completeMany;
    await createQueue({ backend }).enqueueMany([1, 2, 3].map((n) => ({ task: noop, payload: n })));
    start(backend, { tasks: [noop] });
    await eventually(async () => expect((await backend.stats()).counts.succeeded).toBe(3));
  });

  it('emits job events in order with the job, and survives a listener that throws', async () => {
    const backend = memory();
    const logger = recordingLogger();
    const id = await createQueue({ backend }).enqueue(noop, 5);
    const seen: string[] = [];
    const worker = createWorker({ backend, tasks: [noop], pollMs: 25, pruneIntervalMs: 0, logger });
    workers.push(worker);
    worker.on('job:started', ({ job }) => seen.push(`started ${job.jobId} #${job.attempt}`));
    worker.on('job:succeeded', ({ job, result, durationMs }) => seen.push(`succeeded ${job.jobId} ${String(result)} ${durationMs >= 0}`));
    worker.on('job:started', () => {
      throw new Error('listener bug');
    });
    worker.start();
    await eventually(() => expect(seen).toEqual([`started ${id} #1`, `succeeded ${id} 5 true`]));
    expect(logger.lines.some((line) => line.level === 'error' && line.message === 'a worker event listener threw')).toBe(true);
  });

  it('discards and logs a late completion after its lease was lost and the job claimed again', async () => {
    const inner = memory();
    // A heartbeat that claims success without renewing: the lease lapses while the worker believes it holds it.
    const backend: JobBackend = { ...inner, heartbeat: async (leases) => Promise.resolve(leases.map(() => 'held' as const)) };
    const logger = recordingLogger();
    // The handler finishes only once another worker has taken the job: no race with the clock.
    let finish: () => void = () => undefined;
    const reclaimedByOther = new Promise<void>((resolve) => (finish = resolve));
    const slow = defineTask('slow', { handler: async () => (await reclaimedByOther, 'late') });
    const id = await createQueue({ backend }).enqueue(slow, undefined);
    start(backend, { tasks: [slow], concurrency: 1, leaseMs: 150, heartbeatMs: 50, logger });
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'running', attempts: 1 }));
    const [reclaimed] = await eventually(async () => {
      const jobs = await inner.claim({ workerId: 'other', tasks: ['slow'], limit: 1, leaseMs: 60_000, waitMs: 0 });
      expect(jobs).toHaveLength(1);
      return jobs;
    });
    finish();
    expect(reclaimed).toMatchObject({ jobId: id, attempt: 2 });
    await eventually(() => expect(logger.lines.some((line) => line.level === 'warn' && /lease lost/.test(line.message ?? ''))).toBe(true));
    expect(await backend.get(id)).toMatchObject({ state: 'running', attempts: 2 });
    expect((await backend.get(id))?.result).toBeUndefined();
  });

  it('aborts a job whose lease lapsed while the backend could not be reached, and reports worker:error', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, heartbeat: () => Promise.reject(new Error('connection refused')) };
    const reasons: unknown[] = [];
    const waits = defineTask('waits', { handler: (_payload: null, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => (reasons.push(signal.reason), reject(new Error('aborted'))))) });
    await createQueue({ backend }).enqueue(waits, null);
    const worker = start(backend, { tasks: [waits], concurrency: 1, leaseMs: 150, heartbeatMs: 50 });
    const errors: Error[] = [];
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(() => expect(reasons).toHaveLength(1));
    expect(isErrandError(reasons[0], 'ERRAND_LEASE_LOST')).toBe(true);
    expect(errors[0]?.message).toBe('connection refused');
  });

  it('stores the stack only in debug mode', async () => {
    const backend = memory();
    const failing = defineTask('failing', { retries: 0, handler: () => { throw new TypeError('bad input'); } });
    const queue = createQueue({ backend });
    const plain = await queue.enqueue(failing, undefined);
    start(backend, { tasks: [failing] });
    await eventually(async () => expect((await backend.get(plain))?.state).toBe('dead'));
    expect((await backend.get(plain))?.error).toEqual({ type: 'about:blank', title: 'TypeError', status: 500, detail: 'bad input' });
    await workers.pop()!.stop();
    const debugged = await queue.enqueue(failing, undefined);
    start(backend, { tasks: [failing], debug: true });
    await eventually(async () => expect((await backend.get(debugged))?.state).toBe('dead'));
    expect((await backend.get(debugged))?.error?.stack).toMatch(/TypeError: bad input/);
  });

  it('spreads the default retry delay with full jitter', async () => {
    const backend = memory();
    const flaky = defineTask('flaky', {
      retries: 1,
      handler: () => {
        throw new Error('the mail server is down');
      },
    });
    // Without jitter the first retry waits the full second whatever the draw.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const before = Date.now();
      const id = await createQueue({ backend }).enqueue(flaky, undefined);
      start(backend, { tasks: [flaky] });
      await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'retrying' }));
      const after = Date.now();
      const { runAt } = (await backend.get(id))!;
      expect(runAt).toBeGreaterThanOrEqual(before + 500);
      expect(runAt).toBeLessThanOrEqual(after + 500);
    } finally {
      random.mockRestore();
    }
  });

  it('prunes finished jobs periodically', async () => {
    const inner = memory();
    let prunes = 0;
    const backend: JobBackend = { ...inner, prune: (now) => (prunes += 1, inner.prune(now)) };
    start(backend, { tasks: [noop], pruneIntervalMs: 40 });
    await eventually(() => expect(prunes).toBeGreaterThanOrEqual(2));
  });

  it('refuses bad options and bad task lists', () => {
    const backend = memory();
    expect(() => createWorker({ backend, tasks: [noop], leaseMs: 100, heartbeatMs: 100 })).toThrow(/heartbeatMs/);
    expect(() => createWorker({ backend, tasks: [noop], concurrency: 0 })).toThrow(RangeError);
    expect(() => createWorker({ backend, tasks: [noop, { name: 'x' }] })).toThrow(/tasks\[1\]/);
    expect(() => createWorker({ backend, tasks: [noop, defineTask('noop', { handler: () => 1 })] })).toThrow(/unique/);
    expect(() => createWorker({ backend, tasks: { answer: 42 } })).toThrow(/no tasks/);
  });

  it('can be stopped before it started, and stop() is idempotent', async () => {
    const worker = createWorker({ backend: memory(), tasks: { noop, other: 'ignored' } });
    const first = worker.stop();
    expect(worker.stop()).toBe(first);
    await first;
    expect(worker.start().activeCount).toBe(0);
  });
});
