import { describe, expect, it } from 'vitest';
import { createQueue, defineTask, type JobBackend } from '../../src/jobs/index.js';
import { backendUnavailableError } from '../../src/jobs/backend-errors.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';
import { recordingLogger } from './recording-logger.js';

// A settlement (cancelled, fail, release) the backend refuses transiently (ERRAND_BACKEND_UNAVAILABLE:
// a dropped connection, a timed-out statement) is tried again while the worker holds the lease,
// each failure reported: a job must not stay `running` until its lease lapses because one call failed.
// On a real memory backend, wrapped so that the first calls of one method fail.

type Settlement = 'cancelled' | 'fail' | 'release';

/** `inner` with `method` failing transiently its first `failures` calls; `calls` counts every call. */
function failingFirst(inner: JobBackend, method: Settlement, failures: number): { backend: JobBackend; calls: () => number } {
  let calls = 0;
  const refuse = (): Promise<void> | undefined => {
    calls += 1;
    return calls <= failures ? Promise.reject(backendUnavailableError(`the queue failed: connection terminated (${method}, call ${calls})`)) : undefined;
  };
  const wrapped: Pick<JobBackend, Settlement> = {
    cancelled: (lease) => refuse() ?? inner.cancelled(lease),
    fail: (lease, failure) => refuse() ?? inner.fail(lease, failure),
    release: (lease, runAt) => refuse() ?? inner.release(lease, runAt),
  };
  return { backend: { ...inner, [method]: wrapped[method] }, calls: () => calls };
}

/** A task whose handler runs until its signal aborts, and whether it started. */
function endlessTask(name: string): { task: ReturnType<typeof defineTask<null, void>>; started: () => boolean } {
  let started = false;
  const task = defineTask(name, {
    handler: async (_payload: null, { signal }) => {
      started = true;
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    },
  });
  return { task, started: () => started };
}

const { memory, start } = useMemoryWorkers();

describe('settlements the backend refuses transiently', () => {
  it('ends a cancelled job cancelled although the first `cancelled` call failed, reporting the failure', async () => {
    const { backend, calls } = failingFirst(memory(), 'cancelled', 1);
    const { task, started } = endlessTask('endless');
    const { logger, lines } = recordingLogger();
    const queue = createQueue({ backend });
    const id = await queue.enqueue(task, null);
    // The lease outlasts the test's waits: only the worker's own retry can end the job cancelled in time.
    const worker = start(backend, { tasks: [task], heartbeatMs: 20, leaseMs: 120_000, logger });
    const errors: string[] = [];
    const cancelled: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    worker.on('job:cancelled', ({ job }) => void cancelled.push(job.jobId));
    await eventually(() => expect(started()).toBe(true));
    expect(await queue.cancel(id)).toBe(true);
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'cancelled' }));
    await eventually(() => expect(cancelled).toEqual([id]));
    expect(calls()).toBe(2);
    expect(errors).toEqual(['the queue failed: connection terminated (cancelled, call 1)']);
    const retried = lines.filter((line) => line.message.startsWith('could not record'));
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ level: 'warn', fields: { jobId: id, task: 'endless', attempt: 1, action: 'cancelled', tries: 1 } });
  });

  it('records a failed attempt although the first `fail` calls failed', async () => {
    const { backend, calls } = failingFirst(memory(), 'fail', 2);
    const broken = defineTask('broken', {
      retries: 0,
      handler: () => {
        throw new Error('handler failed');
      },
    });
    const id = await createQueue({ backend }).enqueue(broken, null);
    const worker = start(backend, { tasks: [broken], leaseMs: 120_000 });
    const errors: string[] = [];
    const dead: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    worker.on('job:dead', ({ job }) => void dead.push(job.jobId));
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead', attempts: 1, error: { detail: 'handler failed' } }));
    await eventually(() => expect(dead).toEqual([id]));
    expect(calls()).toBe(3);
    expect(errors).toHaveLength(2);
  });

  it('releases a rate-limited job although the first `release` call failed', async () => {
    const { backend: flaky, calls } = failingFirst(memory(), 'release', 1);
    const backend: JobBackend = { ...flaky, takeRateToken: () => Promise.resolve(Date.now() + 60_000) };
    const limited = defineTask('limited', { rateLimit: { limit: 1, intervalMs: 60_000 }, handler: () => undefined });
    const id = await createQueue({ backend }).enqueue(limited, null);
    const worker = start(backend, { tasks: [limited], concurrency: 1, leaseMs: 120_000 });
    const limitedJobs: string[] = [];
    worker.on('job:rate-limited', ({ job }) => void limitedJobs.push(job.jobId));
    await eventually(() => expect(limitedJobs).toEqual([id]));
    expect(calls()).toBe(2);
    expect(await backend.get(id)).toMatchObject({ state: 'delayed', attempts: 0 });
  });

  it('tries a failed release once past the stop deadline, so the worker stops within it', async () => {
    const { backend, calls } = failingFirst(memory(), 'release', Number.POSITIVE_INFINITY);
    const { task, started } = endlessTask('endless');
    const id = await createQueue({ backend }).enqueue(task, null);
    const worker = start(backend, { tasks: [task], leaseMs: 120_000 });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(() => expect(started()).toBe(true));
    await worker.stop({ timeoutMs: 0 });
    expect(calls()).toBe(1);
    expect(errors).toEqual(['the queue failed: connection terminated (release, call 1)']);
    // Not released: the lease sweep takes the job back once its lease lapses.
    expect(await backend.get(id)).toMatchObject({ state: 'running' });
  });

  it('does not try again a settlement that failed for any other reason than a transient backend failure', async () => {
    const inner = memory();
    let calls = 0;
    const backend: JobBackend = { ...inner, fail: () => ((calls += 1), Promise.reject(new Error('disk full'))) };
    const broken = defineTask('broken', {
      retries: 0,
      handler: () => {
        throw new Error('handler failed');
      },
    });
    await createQueue({ backend }).enqueue(broken, null);
    const worker = start(backend, { tasks: [broken], leaseMs: 120_000 });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(() => expect(errors).toEqual(['disk full']));
    await worker.stop({ timeoutMs: 0 });
    expect(calls).toBe(1);
  });
});

// Completions go out in batches (completeMany, or one complete each on a backend without it). A
// batch the backend refuses transiently is tried again the same way: a completion lost costs a run
// of the job again once its lease lapses (at-least-once holds), which a blip should not.

/** `inner` with its completions (completeMany, or complete when `single`) refused transiently the first `failures` calls. */
function completionsFailingFirst(inner: JobBackend, failures: number, single = false): { backend: JobBackend; calls: () => number } {
  let calls = 0;
  const refused = (): Error | undefined => {
    calls += 1;
    return calls <= failures ? backendUnavailableError(`the queue failed: connection terminated (complete, call ${calls})`) : undefined;
  };
  const backend: JobBackend = { ...inner };
  if (single) {
    delete backend.completeMany;
    backend.complete = (lease, result) => {
      const error = refused();
      return error === undefined ? inner.complete(lease, result) : Promise.reject(error);
    };
  } else {
    backend.completeMany = (completions) => {
      const error = refused();
      return error === undefined ? inner.completeMany!(completions) : Promise.reject(error);
    };
  }
  return { backend, calls: () => calls };
}

/** A task that counts its runs and returns `done <payload>`. */
function countingTask(name: string): { task: ReturnType<typeof defineTask<string, string>>; runs: () => number } {
  let runs = 0;
  const task = defineTask(name, {
    handler: (payload: string) => {
      runs += 1;
      return `done ${payload}`;
    },
  });
  return { task, runs: () => runs };
}

describe('completions the backend refuses transiently', () => {
  it('stores a batch of completions although the first two completeMany calls failed, running each job once', async () => {
    const { backend, calls } = completionsFailingFirst(memory(), 2);
    const { task, runs } = countingTask('quick');
    const { logger, lines } = recordingLogger();
    const queue = createQueue({ backend });
    const ids = [await queue.enqueue(task, 'a'), await queue.enqueue(task, 'b')];
    // The lease outlasts the test's waits: only the worker's own retry can store the results in time.
    const worker = start(backend, { tasks: [task], leaseMs: 120_000, logger });
    const errors: string[] = [];
    const succeeded: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    worker.on('job:succeeded', ({ job }) => void succeeded.push(job.jobId));
    for (const id of ids) await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: expect.stringMatching(/^done /) as unknown }));
    await eventually(() => expect(succeeded.sort()).toEqual([...ids].sort()));
    expect(runs()).toBe(2);
    expect(calls()).toBeGreaterThanOrEqual(3);
    expect(errors.slice(0, 2)).toEqual(['the queue failed: connection terminated (complete, call 1)', 'the queue failed: connection terminated (complete, call 2)']);
    const retried = lines.filter((line) => line.message.startsWith('could not record'));
    expect(retried.length).toBeGreaterThanOrEqual(2);
    expect(retried[0]).toMatchObject({ level: 'warn', fields: { action: 'complete', tries: 1 } });
    expect((retried[0]?.fields.jobIds as string[]).every((id) => ids.includes(id))).toBe(true);
  });

  it('stores a completion although the first complete call failed, on a backend without completeMany', async () => {
    const { backend, calls } = completionsFailingFirst(memory(), 1, true);
    const { task, runs } = countingTask('quick');
    const id = await createQueue({ backend }).enqueue(task, 'a');
    const worker = start(backend, { tasks: [task], leaseMs: 120_000 });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: 'done a' }));
    expect(runs()).toBe(1);
    expect(calls()).toBe(2);
    expect(errors).toEqual(['the queue failed: connection terminated (complete, call 1)']);
  });

  it('stops trying a refused completion at the stop deadline, so the worker stops within it', async () => {
    const { backend, calls } = completionsFailingFirst(memory(), Number.POSITIVE_INFINITY);
    const { task } = countingTask('quick');
    const id = await createQueue({ backend }).enqueue(task, 'a');
    const worker = start(backend, { tasks: [task], leaseMs: 120_000 });
    await eventually(() => expect(calls()).toBeGreaterThanOrEqual(1));
    const before = calls();
    await worker.stop({ timeoutMs: 0 });
    // At most the try that was waiting when the deadline passed.
    expect(calls()).toBeLessThanOrEqual(before + 1);
    // Not stored: the lease sweep takes the job back once its lease lapses.
    expect(await backend.get(id)).toMatchObject({ state: 'running' });
  });
});
