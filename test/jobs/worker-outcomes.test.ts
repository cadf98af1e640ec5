import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, it } from 'vitest';
import { isErrandError } from '../../src/errors/errand-error.js';
import { createQueue, defineTask, UnrecoverableError, type JobBackend, type Worker, type WorkerOptions } from '../../src/jobs/index.js';
import { leaseLostError } from '../../src/jobs/backend-errors.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// How each way an attempt can end reaches the backend and the worker's events, through the
// public API (createQueue, createWorker, a real memory backend).

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const workers = useMemoryWorkers();
const memory = (): JobBackend => workers.memory();
const start = (backend: JobBackend, options: Omit<WorkerOptions, 'backend'>): Worker => workers.start(backend, { logger: quiet, ...options });

/** A Standard Schema that validates asynchronously: `{ n }` with n a number, doubled. */
function asyncSchema(accept: () => boolean): StandardSchemaV1<{ n: number }, { n: number }> {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value) => {
        await Promise.resolve();
        const n = (value as { n?: unknown } | null)?.n;
        if (accept() && typeof n === 'number') return { value: { n: n * 2 } };
        return { issues: [{ message: 'n must be a number', path: ['n'] }] };
      },
    },
  };
}

describe('worker attempt outcomes', () => {
  it('runs the handler with the payload an asynchronous schema returns', async () => {
    const backend = memory();
    const seen: unknown[] = [];
    const doubled = defineTask('doubled', { schema: asyncSchema(() => true), handler: (payload) => (seen.push(payload), payload.n) });
    const id = await createQueue({ backend }).enqueue(doubled, { n: 2 });
    start(backend, { tasks: [doubled] });
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: 4 }));
    // The payload is stored as given (the schema's input) and transformed when the job runs.
    expect(await backend.get(id)).toMatchObject({ payload: { n: 2 } });
    expect(seen).toEqual([{ n: 4 }]);
  });

  it('sends a job whose payload an asynchronous schema now refuses to dead, without retrying', async () => {
    const backend = memory();
    let accept = true;
    let ran = 0;
    const strict = defineTask('strict', { schema: asyncSchema(() => accept), retries: 5, handler: () => void (ran += 1) });
    const id = await createQueue({ backend }).enqueue(strict, { n: 1 });
    accept = false;
    const worker = start(backend, { tasks: [strict] });
    const dead: string[] = [];
    worker.on('job:dead', ({ problem }) => void dead.push(String(problem.code)));
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead', attempts: 1 }));
    expect(ran).toBe(0);
    expect(dead).toEqual(['ERRAND_JOB_PAYLOAD_INVALID']);
    expect((await backend.get(id))?.error).toMatchObject({ status: 422, code: 'ERRAND_JOB_PAYLOAD_INVALID' });
  });

  it('reports a failure that will be retried, then the death after the last attempt, with the problem stored', async () => {
    const backend = memory();
    const events: string[] = [];
    const flaky = defineTask('flaky', {
      retries: 1,
      backoff: { type: 'fixed', delayMs: 10 },
      handler: (_payload: null, { attempt }) => {
        throw Object.assign(new RangeError(`attempt ${attempt} failed`), { code: 'E_FLAKY' });
      },
    });
    const id = await createQueue({ backend }).enqueue(flaky, null);
    const worker = start(backend, { tasks: [flaky] });
    worker.on('job:failed', ({ job, willRetry, problem }) => void events.push(`failed #${job.attempt} retry=${String(willRetry)} ${String(problem.detail)}`));
    worker.on('job:retrying', ({ job, retryAt }) => void events.push(`retrying #${job.attempt} ${typeof retryAt}`));
    worker.on('job:dead', ({ job, error }) => void events.push(`dead #${job.attempt} ${error.message}`));
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead', attempts: 2 }));
    await eventually(() => expect(events).toHaveLength(4));
    expect(events).toEqual(['failed #1 retry=true attempt 1 failed', 'retrying #1 number', 'failed #2 retry=false attempt 2 failed', 'dead #2 attempt 2 failed']);
    expect((await backend.get(id))?.error).toEqual({ type: 'about:blank', title: 'RangeError', status: 500, detail: 'attempt 2 failed', code: 'E_FLAKY' });
  });

  it('sends UnrecoverableError straight to dead with ERRAND_UNRECOVERABLE, whatever retries remain', async () => {
    const backend = memory();
    const gone = defineTask('gone', {
      retries: 9,
      handler: () => {
        throw new UnrecoverableError('the account was deleted');
      },
    });
    const id = await createQueue({ backend }).enqueue(gone, null);
    start(backend, { tasks: [gone] });
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead', attempts: 1 }));
    expect((await backend.get(id))?.error).toMatchObject({ title: 'UnrecoverableError', detail: 'the account was deleted', code: 'ERRAND_UNRECOVERABLE' });
  });

  it('fails an attempt whose promise rejects, and one that rejects after it timed out only once', async () => {
    const backend = memory();
    let failures = 0;
    const late = defineTask('late', {
      retries: 0,
      timeout: 50,
      handler: async (_payload: null, { signal }) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        throw new Error('rejected after the abort');
      },
    });
    const id = await createQueue({ backend }).enqueue(late, null);
    const worker = start(backend, { tasks: [late] });
    worker.on('job:failed', () => void (failures += 1));
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead' }));
    expect((await backend.get(id))?.error).toMatchObject({ code: 'ERRAND_JOB_TIMEOUT', detail: 'task "late" ran past its 50 ms timeout' });
    await worker.stop();
    expect(failures).toBe(1);
  });

  it('stores progress reported by the handler, through a destructured progress function', async () => {
    const backend = memory();
    const steps = defineTask('steps', {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- progress is documented to work destructured (a getter returning a bound function)
      handler: async (_payload: null, { progress, jobId, attempt }) => {
        await progress({ done: 1, of: 2 });
        await progress({ done: 2, of: 2 });
        return `${jobId}#${attempt}`;
      },
    });
    const id = await createQueue({ backend }).enqueue(steps, null);
    start(backend, { tasks: [steps] });
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'succeeded', result: `${id}#1`, progress: { done: 2, of: 2 } }));
  });

  it('discards an outcome whose lease was lost, logging it at warn, without failing the job', async () => {
    const inner = memory();
    const warnings: string[] = [];
    const logger = { ...quiet, warn: (_object: object, message?: string) => void warnings.push(String(message)) };
    const backend: JobBackend = {
      ...inner,
      fail: (lease) => Promise.reject(leaseLostError(lease.jobId)),
      progress: (lease) => Promise.reject(leaseLostError(lease.jobId)),
    };
    const stolen = defineTask('stolen', {
      retries: 0,
      handler: async (_payload: null, context) => {
        await context.progress('half');
        throw new Error('too late anyway');
      },
    });
    const id = await createQueue({ backend }).enqueue(stolen, null);
    const worker = start(backend, { tasks: [stolen], logger });
    const errors: Error[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error));
    await eventually(() => expect(warnings).toHaveLength(2));
    expect(warnings).toEqual(['lease lost: another worker owns this job now; this outcome was discarded', 'lease lost: another worker owns this job now; this outcome was discarded']);
    expect(errors).toEqual([]);
    expect(await inner.get(id)).toMatchObject({ state: 'running' });
  });

  it('reports a backend that fails to record a completion as worker:error and keeps working', async () => {
    const inner = memory();
    let broken = true;
    const completeMany = inner.completeMany!.bind(inner);
    const backend: JobBackend = {
      ...inner,
      completeMany: (completions) => (broken ? Promise.reject(new Error('disk full')) : completeMany(completions)),
    };
    const echo = defineTask('echo', { handler: (n: number) => n });
    const queue = createQueue({ backend });
    const first = await queue.enqueue(echo, 1);
    const worker = start(backend, { tasks: [echo] });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(() => expect(errors).toContain('disk full'));
    expect(await inner.get(first)).toMatchObject({ state: 'running' });
    broken = false;
    const second = await queue.enqueue(echo, 2);
    await eventually(async () => expect(await inner.get(second)).toMatchObject({ state: 'succeeded', result: 2 }));
  });

  it('completes one by one without completeMany, treating a lost lease as discarded and other errors as worker:error', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner };
    delete backend.completeMany;
    backend.complete = (lease, result) => {
      if (result === 'stolen') return Promise.reject(leaseLostError(lease.jobId));
      if (result === 'broken') return Promise.reject(new Error('write failed'));
      return inner.complete(lease, result);
    };
    const echo = defineTask('echo', { handler: (value: string) => value });
    const queue = createQueue({ backend });
    const ids = await queue.enqueueMany(['fine', 'stolen', 'broken'].map((payload) => ({ task: echo, payload })));
    const worker = start(backend, { tasks: [echo], concurrency: 3 });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(async () => expect(await inner.get(ids[0])).toMatchObject({ state: 'succeeded', result: 'fine' }));
    await eventually(() => expect(errors).toEqual(['write failed']));
    expect(isErrandError(leaseLostError('x'), 'ERRAND_LEASE_LOST')).toBe(true);
  });
});
