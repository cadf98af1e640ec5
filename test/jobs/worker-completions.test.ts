import { describe, expect, it } from 'vitest';
import { createQueue, defineTask, type JobBackend, type Worker, type WorkerOptions } from '../../src/jobs/index.js';
import { leaseLostError } from '../../src/jobs/backend-errors.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// How a worker hands the results of finished jobs to its backend (in batches with completeMany,
// one by one without it) and what it says about each: through the public API on a real memory
// backend, wrapped where a test needs the backend to refuse.

interface Warning {
  fields: Record<string, unknown>;
  message: string;
}

const workers = useMemoryWorkers();
const memory = (): JobBackend => workers.memory();

function start(backend: JobBackend, options: Omit<WorkerOptions, 'backend'>, warnings: Warning[] = []): Worker {
  const logger = { error: () => undefined, info: () => undefined, debug: () => undefined, warn: (fields: object, message?: string) => void warnings.push({ fields: fields as Record<string, unknown>, message: message ?? '' }) };
  return workers.start(backend, { concurrency: 4, logger, ...options });
}

const echo = defineTask('echo', { handler: (value: string) => value });

describe('worker completions', () => {
  it('sends the completions of a claimed batch of synchronous jobs in one completeMany call', async () => {
    const inner = memory();
    const calls: string[][] = [];
    const completeMany = inner.completeMany!.bind(inner);
    const backend: JobBackend = { ...inner, completeMany: (completions) => (calls.push(completions.map(({ result }) => String(result))), completeMany(completions)) };
    const ids = await createQueue({ backend }).enqueueMany(['a', 'b', 'c', 'd'].map((payload) => ({ task: echo, payload })));
    start(backend, { tasks: [echo], batchSize: 4 });
    await eventually(async () => expect((await Promise.all(ids.map((id) => inner.get(id)))).map((job) => job?.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']));
    expect(calls.flat().sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(calls).toHaveLength(1);
  });

  it('reports job:succeeded only for completions the backend stored, and warns about the ones it refused', async () => {
    const inner = memory();
    const completeMany = inner.completeMany!.bind(inner);
    // The backend refuses the completion of the job whose result is 'stolen' (its lease was lost).
    const backend: JobBackend = {
      ...inner,
      completeMany: async (completions) => {
        const kept = completions.filter(({ result }) => result !== 'stolen');
        const stored = await completeMany(kept);
        return completions.map(({ result }) => (result === 'stolen' ? false : (stored[kept.findIndex((item) => item.result === result)] ?? false)));
      },
    };
    const ids = await createQueue({ backend }).enqueueMany(['fine', 'stolen', 'also fine'].map((payload) => ({ task: echo, payload })));
    const warnings: Warning[] = [];
    const worker = start(backend, { tasks: [echo] }, warnings);
    const succeeded: unknown[] = [];
    worker.on('job:succeeded', ({ result, durationMs }) => void succeeded.push([result, typeof durationMs === 'number' && durationMs >= 0]));
    await eventually(() => expect(warnings).toHaveLength(1));
    await eventually(() => expect(succeeded).toHaveLength(2));
    expect(succeeded.sort()).toEqual([
      ['also fine', true],
      ['fine', true],
    ]);
    expect(warnings).toEqual([{ message: 'lease lost: the job was claimed again meanwhile; this completion was rejected', fields: { jobId: ids[1], attempt: 1 } }]);
  });

  it('without completeMany: a refused lease is a warning, another error a worker:error, and neither a success', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner };
    delete backend.completeMany;
    backend.complete = (lease, result) => {
      if (result === 'stolen') return Promise.reject(leaseLostError(lease.jobId));
      if (result === 'broken') return Promise.reject(new Error('write failed'));
      return inner.complete(lease, result);
    };
    await createQueue({ backend }).enqueueMany(['fine', 'stolen', 'broken'].map((payload) => ({ task: echo, payload })));
    const warnings: Warning[] = [];
    const worker = start(backend, { tasks: [echo] }, warnings);
    const succeeded: unknown[] = [];
    const errors: string[] = [];
    worker.on('job:succeeded', ({ result }) => void succeeded.push(result));
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(() => expect([succeeded, errors, warnings.length]).toEqual([['fine'], ['write failed'], 1]));
    expect(warnings[0]?.message).toBe('lease lost: the job was claimed again meanwhile; this completion was rejected');
  });

  it('a failed completeMany is a worker:error and no success for any job of the batch', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, completeMany: () => Promise.reject(new Error('disk full')) };
    await createQueue({ backend }).enqueueMany(['a', 'b'].map((payload) => ({ task: echo, payload })));
    const worker = start(backend, { tasks: [echo] });
    const succeeded: unknown[] = [];
    const errors: string[] = [];
    worker.on('job:succeeded', ({ result }) => void succeeded.push(result));
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(() => expect(errors.length).toBeGreaterThan(0));
    await worker.stop({ timeoutMs: 0 });
    expect(succeeded).toEqual([]);
    expect(new Set(errors)).toEqual(new Set(['disk full']));
  });

  it('stop() waits for completions still on their way to the backend', async () => {
    const inner = memory();
    const completeMany = inner.completeMany!.bind(inner);
    let sent = 0;
    const backend: JobBackend = {
      ...inner,
      completeMany: async (completions) => {
        sent += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return completeMany(completions);
      },
    };
    const id = await createQueue({ backend }).enqueue(echo, 'late');
    const worker = start(backend, { tasks: [echo] });
    await eventually(() => expect(sent).toBe(1));
    await worker.stop();
    expect(await inner.get(id)).toMatchObject({ state: 'succeeded', result: 'late' });
  });
});
