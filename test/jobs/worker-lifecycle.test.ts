import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import type { NewJob } from '../../src/jobs/job.js';
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker, type WorkerOptions } from '../../src/jobs/worker.js';
import type { WorkerLogger } from '../../src/jobs/worker-logger.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';

// A worker's lifecycle through the public API on the memory backend: start() and stop() and their
// options, the scheduler switch, and what the worker logs when its backend or a listener fails.

interface Line {
  level: string;
  message: string | undefined;
  fields: Record<string, unknown>;
}

function recordingLogger(): WorkerLogger & { lines: Line[] } {
  const lines: Line[] = [];
  const log = (level: string) => (fields: object, message?: string) => void lines.push({ level, message, fields: fields as Record<string, unknown> });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const workers: Worker[] = [];
const backends: JobBackend[] = [];

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 0 })));
  for (const backend of backends.splice(0)) await backend.close();
});

function memory(): JobBackend {
  const backend = createMemoryBackend();
  backends.push(backend);
  return backend;
}

/** A worker made (not started) with short polls, long leases and no pruning unless `options` says otherwise. */
function make(backend: JobBackend, options: Omit<WorkerOptions, 'backend'>): Worker {
  const worker = createWorker({ backend, concurrency: 2, leaseMs: 30_000, heartbeatMs: 1_000, pollMs: 20, pruneIntervalMs: 0, logger: recordingLogger(), ...options });
  workers.push(worker);
  return worker;
}

const noop = defineTask('noop', { handler: (n: number) => n });

/** Runs `ms` then answers 'done', or ends at once when its signal aborts (answering 'aborted'). */
const slow = defineTask('slow', {
  handler: async (ms: number, { signal }) => {
    const aborted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
    });
    return aborted ? 'aborted' : 'done';
  },
});

/** Starts `worker` on a `slow` job of `ms` and resolves once the job runs; `stopped` resolves with worker:stopped's count of released jobs. */
async function running(backend: JobBackend, worker: Worker, ms: number): Promise<{ id: string; stopped: Promise<number> }> {
  const id = await createQueue({ backend }).enqueue(slow, ms);
  const started = new Promise<void>((resolve) => worker.on('job:started', () => resolve()));
  const stopped = new Promise<number>((resolve) => worker.on('worker:stopped', ({ released }) => resolve(released)));
  worker.start();
  await started;
  return { id, stopped };
}

describe('a worker’s start()', () => {
  it('starts once: a second start() is a no-op', async () => {
    const worker = make(memory(), { tasks: [noop] });
    let ready = 0;
    worker.on('worker:ready', () => (ready += 1));
    expect(worker.start()).toBe(worker);
    expect(worker.start()).toBe(worker);
    await eventually(() => expect(ready).toBe(1));
    // A second claim loop would say ready within the same turns.
    for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    await worker.stop();
    expect(ready).toBe(1);
  });

  it('does nothing once stop() was called, even when it was never started', async () => {
    const inner = memory();
    // Its timers would call these: pruning every 20 ms, depth sampling at start.
    const calls: string[] = [];
    const backend: JobBackend = {
      ...inner,
      prune: (at) => (calls.push('prune'), inner.prune(at)),
      sampleDepth: () => (calls.push('sampleDepth'), inner.sampleDepth!()),
    };
    const id = await createQueue({ backend }).enqueue(noop, 1);
    const worker = make(backend, { tasks: [noop], pruneIntervalMs: 20 });
    let ready = 0;
    worker.on('worker:ready', () => (ready += 1));
    const stopping = worker.stop();
    worker.start();
    await stopping;
    worker.start();
    // Ten polls: a worker started anyway would have said ready and taken the job.
    await sleep(200);
    expect(ready).toBe(0);
    expect((await backend.get(id))?.state).toBe('queued');
    expect(calls).toEqual([]);
  });

  it('refuses a schedulerPollMs that is not a positive number when made, before any timer starts', () => {
    const backend = memory();
    for (const schedulerPollMs of [0, -5, Number.NaN]) {
      expect(() => createWorker({ backend, tasks: [noop], schedulerPollMs })).toThrow(new RangeError(`createWorker: schedulerPollMs must be > 0, got ${schedulerPollMs}`));
    }
    // Not looked at when the worker runs no scheduler.
    const worker = make(backend, { tasks: [noop], scheduler: false, schedulerPollMs: 0 });
    expect(worker.start()).toBe(worker);
  });
});

describe('a worker’s stop()', () => {
  it('aborts and releases a job still running at stop({ timeoutMs })’s deadline', async () => {
    const backend = memory();
    // shutdownTimeoutMs would let the job end by itself: timeoutMs overrides it.
    const worker = make(backend, { tasks: [slow], shutdownTimeoutMs: 60_000 });
    const { id, stopped } = await running(backend, worker, 5_000);
    await worker.stop({ timeoutMs: 200 });
    expect(await stopped).toBe(1);
    expect((await backend.get(id))?.state).toBe('queued');
  });

  it('aborts a running job at once with shutdownTimeoutMs 0', async () => {
    const backend = memory();
    const worker = make(backend, { tasks: [slow], shutdownTimeoutMs: 0 });
    const { id, stopped } = await running(backend, worker, 5_000);
    await worker.stop();
    expect(await stopped).toBe(1);
    expect((await backend.get(id))?.state).toBe('queued');
  });

  it('waits for a running job by shutdownTimeoutMs, and stop({ timeoutMs }) overrides it', async () => {
    const backend = memory();
    const worker = make(backend, { tasks: [slow], shutdownTimeoutMs: 0 });
    const { id, stopped } = await running(backend, worker, 300);
    await worker.stop({ timeoutMs: 60_000 });
    expect(await stopped).toBe(0);
    expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: 'done' });
  });

  it('waits up to 10 s for running jobs by default', async () => {
    const backend = memory();
    const worker = make(backend, { tasks: [slow] });
    const { id, stopped } = await running(backend, worker, 300);
    await worker.stop();
    expect(await stopped).toBe(0);
    expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: 'done' });
  });
});

describe('a worker’s scheduler', () => {
  it('looks at the stored schedules once a second by default', async () => {
    const inner = memory();
    const store = inner.schedules!;
    let looks = 0;
    const backend: JobBackend = { ...inner, schedules: { ...store, list: () => ((looks += 1), store.list()) } };
    const worker = make(backend, { tasks: [noop] });
    worker.start();
    await eventually(() => expect(looks).toBeGreaterThanOrEqual(1));
    await sleep(300);
    await worker.stop();
    // The first look, perhaps one or two more if this machine is slow; never one every few ms.
    expect(looks).toBeLessThanOrEqual(3);
  });

  it('neither stores nor ticks schedules with scheduler: false', async () => {
    const backend = memory();
    const ping = defineTask('ping', { handler: () => 'pong' });
    const worker = make(backend, { tasks: [ping, noop], schedules: [defineSchedule(ping, { every: 20, overlap: 'allow' })], scheduler: false, schedulerPollMs: 10 });
    const done = new Promise<void>((resolve) => worker.on('job:succeeded', () => resolve()));
    await createQueue({ backend }).enqueue(noop, 1);
    worker.start();
    // A job claimed and run: a scheduler would have been ready since the first claim was answered.
    await done;
    await sleep(100);
    await worker.stop();
    expect(await backend.schedules?.list()).toEqual([]);
    expect((await backend.list({ task: 'ping' })).jobs).toEqual([]);
  });

  it('gives a tick’s job the fair-queue group of its task', async () => {
    const inner = memory();
    const store = inner.schedules!;
    const ticks: NewJob[] = [];
    const backend: JobBackend = {
      ...inner,
      schedules: {
        ...store,
        advance: (advance, jobs) => (ticks.push(...jobs), store.advance(advance, jobs)),
      },
    };
    const sync = defineTask('sync', { group: { key: ({ tenant }: { tenant: string }) => `tenant-${tenant}` }, handler: () => undefined });
    make(backend, { tasks: [sync], schedules: [defineSchedule(sync, { every: 100, payload: { tenant: 'acme' } })], schedulerPollMs: 10 }).start();
    await eventually(() => expect(ticks.length).toBeGreaterThan(0));
    expect(ticks[0]).toMatchObject({ task: 'sync', group: 'tenant-acme' });
  });
});

describe('what a worker logs', () => {
  it('logs a failing backend at error with its worker id, and emits worker:error', async () => {
    const inner = memory();
    let failures = 1;
    const backend: JobBackend = {
      ...inner,
      claim: (options) => {
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('connection refused'));
        }
        return inner.claim(options);
      },
    };
    const logger = recordingLogger();
    const worker = make(backend, { tasks: [noop], logger, workerId: 'w-failing' });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => errors.push(error.message));
    const id = await createQueue({ backend }).enqueue(noop, 1);
    worker.start();
    // It claims again after the failure.
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
    expect(errors).toEqual(['connection refused']);
    const failed = logger.lines.filter((line) => line.message === 'job backend failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'error', fields: { workerId: 'w-failing', err: { message: 'connection refused' } } });
  });

  it('logs a listener that threw at error, with the error and the event', async () => {
    const backend = memory();
    const logger = recordingLogger();
    const worker = make(backend, { tasks: [noop], logger });
    worker.on('job:succeeded', () => {
      throw new Error('listener bug');
    });
    await createQueue({ backend }).enqueue(noop, 1);
    worker.start();
    await eventually(() => expect(logger.lines.filter((line) => line.message === 'a worker event listener threw')).toHaveLength(1));
    const [line] = logger.lines.filter((entry) => entry.message === 'a worker event listener threw');
    expect(line).toMatchObject({ level: 'error', fields: { event: 'job:succeeded', err: { message: 'listener bug' } } });
  });
});
