import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import type { JobBackend } from '../jobs/backend.js';
import { defineTask } from '../jobs/define-task.js';
import { createQueue } from '../jobs/queue.js';
import { UnrecoverableError } from '../jobs/unrecoverable-error.js';
import { createWorker, type Worker, type WorkerOptions } from '../jobs/worker.js';
import type { WorkerEvents } from '../jobs/worker-events.js';
import { memoryLogger } from './memory-logger.js';
import { backendsFor, eventually, newJob, sleep, type ConformanceOptions } from './conformance-helpers.js';

/** Adds what the worker logged (and the job as stored) to a failed assertion's message. */
function withWorkerLog(error: unknown, lines: readonly Record<string, unknown>[], job: unknown): unknown {
  if (!(error instanceof Error)) return error;
  error.message += `\nthe worker logged:\n${lines.map((line) => JSON.stringify(line)).join('\n') || '(nothing)'}\nthe job as stored: ${JSON.stringify(job)}`;
  return error;
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Waits until `signal` aborts (a handler that only ends when told to). */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}

/** Worker-level promises, run on the backend under test. */
export function describeWorker(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);
  const workers: Worker[] = [];

  function startWorker(backend: JobBackend, overrides: Omit<WorkerOptions, 'backend'>): Worker {
    const worker = createWorker({ backend, concurrency: 4, leaseMs: 1_000, heartbeatMs: 50, pollMs: 25, pruneIntervalMs: 0, logger: quiet, ...overrides }).start();
    workers.push(worker);
    return worker;
  }

  async function finishWith(backend: JobBackend, id: string, state: string): Promise<void> {
    await eventually(async () => expect((await backend.get(id))?.state).toBe(state));
  }

  function record<E extends keyof WorkerEvents>(worker: Worker, event: E): WorkerEvents[E][] {
    const seen: WorkerEvents[E][] = [];
    worker.on(event, (payload) => seen.push(payload));
    return seen;
  }

  describe('worker', () => {
    // Stop every worker even when an assertion failed, so no timer outlives the test.
    const stopAll = async (): Promise<void> => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 0 })));
    };

    it('retries a failing job with backoff until it succeeds', async () => {
      const backend = await makeBackend();
      const calls: number[] = [];
      const flaky = defineTask('conformance-flaky', {
        retries: 3,
        backoff: { type: 'fixed', delayMs: 150 },
        handler: (_payload: { n: number }, { attempt }) => {
          calls.push(Date.now());
          if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
          return { attempt };
        },
      });
      const id = await createQueue({ backend }).enqueue(flaky, { n: 1 });
      const worker = startWorker(backend, { tasks: [flaky] });
      const retrying = record(worker, 'job:retrying');
      try {
        await finishWith(backend, id, 'succeeded');
        expect(await backend.get(id)).toMatchObject({ attempts: 3, result: { attempt: 3 } });
        expect(retrying).toHaveLength(2);
        expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(140);
        expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(140);
      } finally {
        await stopAll();
      }
    });

    it('sends a job that throws UnrecoverableError straight to dead', async () => {
      const backend = await makeBackend();
      let calls = 0;
      const doomed = defineTask('conformance-doomed', {
        retries: 5,
        handler: () => {
          calls += 1;
          throw new UnrecoverableError('the user was deleted');
        },
      });
      const id = await createQueue({ backend }).enqueue(doomed, undefined);
      const worker = startWorker(backend, { tasks: [doomed] });
      const dead = record(worker, 'job:dead');
      try {
        await finishWith(backend, id, 'dead');
        expect(calls).toBe(1);
        expect(await backend.get(id)).toMatchObject({ attempts: 1, error: { code: 'ERRAND_UNRECOVERABLE', detail: 'the user was deleted' } });
        await eventually(() => expect(dead).toHaveLength(1));
      } finally {
        await stopAll();
      }
    });

    it('aborts a handler at its timeout and records ERRAND_JOB_TIMEOUT', async () => {
      const backend = await makeBackend();
      const reasons: unknown[] = [];
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let handlerEnded = false;
      const slow = defineTask('conformance-slow', {
        retries: 0,
        timeout: 100,
        handler: async (_payload: null, { signal }) => {
          signal.addEventListener('abort', () => reasons.push(signal.reason));
          // Ignores its signal and ends only when the test lets it: the attempt must end at its
          // deadline, while the handler is still running, not when the handler does.
          await held;
          handlerEnded = true;
        },
      });
      const id = await createQueue({ backend }).enqueue(slow, null);
      startWorker(backend, { tasks: [slow] });
      try {
        await finishWith(backend, id, 'dead');
        expect(handlerEnded).toBe(false);
        expect((await backend.get(id))?.error?.code).toBe('ERRAND_JOB_TIMEOUT');
        expect(isErrandError(reasons[0], 'ERRAND_JOB_TIMEOUT')).toBe(true);
      } finally {
        release();
        await stopAll();
      }
    });

    it('cancels a running job: the handler signal aborts and the job ends cancelled', async () => {
      const backend = await makeBackend();
      const queue = createQueue({ backend });
      let started = false;
      const endless = defineTask('conformance-endless', {
        handler: (_payload: null, { signal }) => {
          started = true;
          return untilAborted(signal);
        },
      });
      const id = await queue.enqueue(endless, null);
      // A lease far above the test's length: on a loaded machine a 1 s lease can lapse between two
      // heartbeats, and the lapsed cancel-requested job is then ended cancelled by the lease sweep,
      // not by this worker (which sees its lease lost and, rightly, emits no job:cancelled).
      const { logger, lines } = memoryLogger('debug');
      const worker = startWorker(backend, { tasks: [endless], leaseMs: 60_000, logger });
      const cancelled = record(worker, 'job:cancelled');
      try {
        await eventually(() => expect(started).toBe(true));
        expect(await queue.cancel(id)).toBe(true);
        await finishWith(backend, id, 'cancelled');
        // The worker emits once the backend's answer reaches it, which a read of the stored state can beat.
        await eventually(() => expect(cancelled).toHaveLength(1));
      } catch (error) {
        // So that a failure says what the worker saw (backend errors, lost leases), not only the state it left.
        throw withWorkerLog(error, lines, await backend.get(id).catch(() => undefined));
      } finally {
        await stopAll();
      }
    });

    it('marks a job whose payload no longer validates dead without retrying', async () => {
      const backend = await makeBackend();
      const strict = defineTask('conformance-strict', {
        retries: 3,
        schema: { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => (typeof value === 'number' ? { value } : { issues: [{ message: 'expected a number', path: ['n'] }] }) } },
        handler: (n: number) => n * 2,
      });
      const bad = newJob({ task: 'conformance-strict', payload: 'not a number', maxAttempts: 4 });
      await backend.enqueue([bad]);
      startWorker(backend, { tasks: [strict] });
      try {
        await finishWith(backend, bad.id, 'dead');
        const record = await backend.get(bad.id);
        expect(record).toMatchObject({ attempts: 1, error: { code: 'ERRAND_JOB_PAYLOAD_INVALID' } });
        expect(record?.error?.errors?.[0]).toMatchObject({ pointer: '/n', message: 'expected a number' });
      } finally {
        await stopAll();
      }
    });

    it('lets running jobs finish within the stop deadline', async () => {
      const backend = await makeBackend();
      const short = defineTask('conformance-short', { handler: async () => (await sleep(200), 'finished') });
      const id = await createQueue({ backend }).enqueue(short, undefined);
      const worker = startWorker(backend, { tasks: [short] });
      await eventually(async () => expect((await backend.get(id))?.state).toBe('running'));
      await worker.stop({ timeoutMs: 3_000 });
      expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: 'finished' });
    });

    it('releases jobs still running at the stop deadline so another worker runs them at once', async () => {
      const backend = await makeBackend();
      let runs = 0;
      const stubborn = defineTask('conformance-stubborn', {
        handler: (_payload: null, { signal }) => {
          runs += 1;
          return runs === 1 ? untilAborted(signal) : 'second worker';
        },
      });
      const id = await createQueue({ backend }).enqueue(stubborn, null);
      const first = startWorker(backend, { tasks: [stubborn], leaseMs: 30_000, heartbeatMs: 10_000 });
      const stopped = record(first, 'worker:stopped');
      try {
        await eventually(() => expect(runs).toBe(1));
        await first.stop({ timeoutMs: 100 });
        expect(stopped).toEqual([{ workerId: first.id, released: 1 }]);
        expect(await backend.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
        startWorker(backend, { tasks: [stubborn] });
        await finishWith(backend, id, 'succeeded');
        expect(await backend.get(id)).toMatchObject({ attempts: 1, result: 'second worker' });
      } finally {
        await stopAll();
      }
    });

    it('respects per-task concurrency', async () => {
      const backend = await makeBackend();
      let running = 0;
      let peak = 0;
      const single = defineTask('conformance-single', {
        concurrency: 1,
        handler: async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(30);
          running -= 1;
        },
      });
      const ids = await createQueue({ backend }).enqueueMany([1, 2, 3, 4].map(() => ({ task: single, payload: undefined })));
      startWorker(backend, { tasks: [single], concurrency: 4 });
      try {
        for (const id of ids) await finishWith(backend, id, 'succeeded');
        expect(peak).toBe(1);
      } finally {
        await stopAll();
      }
    });
  });
}
