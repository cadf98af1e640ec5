import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, it } from 'vitest';
import { createQueue, defineTask, type JobBackend, type Worker, type WorkerLogger } from '../../src/jobs/index.js';
import { leaseLostError } from '../../src/jobs/backend-errors.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// An attempt aborted between its claim and its handler's start, while it waits on something
// asynchronous of its own (the backend's rate-limit counter, an asynchronous schema): the abort
// decides the outcome, and what that wait answers afterwards is ignored. Also where a release
// (shutdown, rate limit) finds the lease lost or the backend failing. Public API, real memory backend.

interface Warning {
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): { logger: WorkerLogger; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const ignore = (): void => undefined;
  return { logger: { debug: ignore, info: ignore, error: ignore, warn: (fields, message) => void warnings.push({ fields: fields as Record<string, unknown>, message: message ?? '' }) }, warnings };
}

/** A promise settled from outside. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void; fail: (error: Error) => void } {
  let open = (_value: T): void => undefined;
  let fail = (_error: Error): void => undefined;
  const promise = new Promise<T>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

/** Lets every pending callback of a settled promise run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const { memory, start } = useMemoryWorkers();

/** What a worker did with one job: the handler runs, the events it sent and the errors it reported. */
function watch(worker: Worker): { events: string[]; errors: string[] } {
  const events: string[] = [];
  const errors: string[] = [];
  for (const name of ['job:started', 'job:succeeded', 'job:failed', 'job:rate-limited', 'job:cancelled'] as const) worker.on(name, () => void events.push(name));
  worker.on('worker:error', ({ error }) => void errors.push(error.message));
  return { events, errors };
}

describe('an attempt aborted while waiting for its rate-limit token', () => {
  for (const answer of ['allowed', 'failed'] as const) {
    it(`is released at shutdown and ignores the counter's late answer (${answer})`, async () => {
      const inner = memory();
      const token = gate<number | null>();
      let asked = false;
      const backend: JobBackend = { ...inner, takeRateToken: () => ((asked = true), token.promise) };
      let ran = 0;
      const limited = defineTask('limited', { rateLimit: { limit: 10, intervalMs: 60_000 }, handler: () => void (ran += 1) });
      const id = await createQueue({ backend }).enqueue(limited, null);
      const { logger, warnings } = recordingLogger();
      const worker = start(backend, { tasks: [limited], logger });
      const seen = watch(worker);
      await eventually(() => expect(asked).toBe(true));
      await worker.stop({ timeoutMs: 0 });
      expect(await inner.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
      if (answer === 'allowed') token.open(null);
      else token.fail(new Error('counter unreachable'));
      await settle();
      expect(ran).toBe(0);
      expect(seen.events).toEqual([]);
      expect(seen.errors).toEqual([]);
      expect(warnings).toEqual([]);
      expect(await inner.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
    });
  }
});

describe('an attempt aborted while its payload is validated asynchronously', () => {
  for (const answer of ['valid', 'rejected'] as const) {
    it(`is released at shutdown and ignores the schema's late answer (${answer})`, async () => {
      const backend = memory();
      const validated = gate<StandardSchemaV1.Result<null>>();
      let asked = false;
      const schema: StandardSchemaV1<null, null> = { '~standard': { version: 1, vendor: 'test', validate: () => ((asked = true), validated.promise) } };
      let ran = 0;
      const checked = defineTask('checked', { schema, handler: () => void (ran += 1) });
      // The queue validates at enqueue too: that one answers at once.
      asked = true;
      const queue = createQueue({ backend });
      const enqueueing = queue.enqueue(checked, null);
      validated.open({ value: null });
      const id = await enqueueing;
      const late = gate<StandardSchemaV1.Result<null>>();
      Object.assign(schema['~standard'], { validate: () => ((asked = true), late.promise) });
      asked = false;
      const { logger, warnings } = recordingLogger();
      const worker = start(backend, { tasks: [checked], logger });
      const seen = watch(worker);
      await eventually(() => expect(asked).toBe(true));
      await worker.stop({ timeoutMs: 0 });
      expect(await backend.get(id)).toMatchObject({ state: 'queued' });
      if (answer === 'valid') late.open({ value: null });
      else late.fail(new Error('validator crashed'));
      await settle();
      expect(ran).toBe(0);
      // Started (the payload is validated inside the attempt), then nothing more.
      expect(seen.events).toEqual(['job:started']);
      expect(seen.errors).toEqual([]);
      expect(warnings).toEqual([]);
      expect(await backend.get(id)).toMatchObject({ state: 'queued' });
    });
  }
});

describe('releases that find the lease lost or the backend failing', () => {
  it('logs a shutdown release whose lease was lost with the action "release"', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, release: (lease) => Promise.reject(leaseLostError(lease.jobId)) };
    let started = false;
    const slow = defineTask('slow', { handler: (_payload: null, { signal }) => new Promise<void>((resolve) => ((started = true), signal.addEventListener('abort', () => resolve()))) });
    const id = await createQueue({ backend }).enqueue(slow, null);
    const { logger, warnings } = recordingLogger();
    const worker = start(backend, { tasks: [slow], logger });
    const seen = watch(worker);
    await eventually(() => expect(started).toBe(true));
    await worker.stop({ timeoutMs: 0 });
    expect(warnings).toEqual([{ message: 'lease lost: another worker owns this job now; this outcome was discarded', fields: { jobId: id, task: 'slow', attempt: 1, action: 'release' } }]);
    expect(seen.errors).toEqual([]);
  });

  it('sends a job over its rate limit back with job:rate-limited and when it runs again', async () => {
    const inner = memory();
    const retryAt = Date.now() + 60_000;
    const backend: JobBackend = { ...inner, takeRateToken: () => Promise.resolve(retryAt) };
    const limited = defineTask('limited', { rateLimit: { limit: 1, intervalMs: 60_000 }, handler: () => undefined });
    const id = await createQueue({ backend }).enqueue(limited, null);
    const worker = start(backend, { tasks: [limited], logger: recordingLogger().logger });
    const limitedAt: number[] = [];
    worker.on('job:rate-limited', ({ job, retryAt: at }) => void (job.jobId === id && limitedAt.push(at)));
    await eventually(() => expect(limitedAt).toEqual([retryAt]));
    expect(await inner.get(id)).toMatchObject({ state: 'delayed', attempts: 0, runAt: retryAt });
  });

  it('logs a rate-limit release whose lease was lost with the action "release", without job:rate-limited', async () => {
    const inner = memory();
    let released = 0;
    const backend: JobBackend = { ...inner, takeRateToken: () => Promise.resolve(Date.now() + 60_000), release: (lease) => ((released += 1), Promise.reject(leaseLostError(lease.jobId))) };
    const limited = defineTask('limited', { rateLimit: { limit: 1, intervalMs: 60_000 }, handler: () => undefined });
    const id = await createQueue({ backend }).enqueue(limited, null);
    const { logger, warnings } = recordingLogger();
    const worker = start(backend, { tasks: [limited], logger, concurrency: 1 });
    const seen = watch(worker);
    await eventually(() => expect(warnings).toHaveLength(1));
    expect(warnings[0]).toEqual({ message: 'lease lost: another worker owns this job now; this outcome was discarded', fields: { jobId: id, task: 'limited', attempt: 1, action: 'release' } });
    await worker.stop({ timeoutMs: 0 });
    expect(released).toBe(1);
    expect(seen.events).toEqual([]);
    expect(seen.errors).toEqual([]);
  });

  it('reports a rate-limit release the backend failed to store as worker:error, without job:rate-limited', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, takeRateToken: () => Promise.resolve(Date.now() + 60_000), release: () => Promise.reject(new Error('disk full')) };
    const limited = defineTask('limited', { rateLimit: { limit: 1, intervalMs: 60_000 }, handler: () => undefined });
    await createQueue({ backend }).enqueue(limited, null);
    const { logger, warnings } = recordingLogger();
    const worker = start(backend, { tasks: [limited], logger, concurrency: 1 });
    const seen = watch(worker);
    await eventually(() => expect(seen.errors).toEqual(['disk full']));
    await worker.stop({ timeoutMs: 0 });
    expect(seen.events).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
