import { describe, expect, it } from 'vitest';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// The worker's periodic work (heartbeat, pruning, depth samples) and its task list, through
// createWorker on a memory backend whose calls are counted or made to fail.

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const { memory, start } = useMemoryWorkers();
const noop = defineTask('noop', { handler: (_payload: object) => 'ok' });

describe('worker timers', () => {
  it('prunes every pruneIntervalMs, reports a failed prune, never prunes with 0, and stops pruning at stop() even with a prune in flight', async () => {
    const inner = memory();
    let calls = 0;
    let release: () => void = () => undefined;
    const backend: JobBackend = {
      ...inner,
      prune: async () => {
        calls += 1;
        if (calls === 1) throw new Error('prune failed');
        if (calls === 3) await new Promise<void>((resolve) => (release = resolve));
        return 0;
      },
    };
    const never = start(backend, { tasks: [noop], pruneIntervalMs: 0, logger: quiet });
    await sleep(100);
    expect(calls).toBe(0);
    await never.stop();
    const errors: Error[] = [];
    const worker = start(backend, { tasks: [noop], pruneIntervalMs: 10, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    // The third prune hangs: stop() lands, and ends, while it is in flight; it ends after.
    await eventually(() => expect(calls).toBe(3));
    expect(errors.map((error) => error.message)).toEqual(['prune failed']);
    await worker.stop();
    release();
    // Ten prune intervals after the prune in flight ended (a timer set before any it could set).
    await sleep(100);
    expect(calls).toBe(3);
  });

  it('takes a depth sample at start, reports one that fails, and runs on a backend that takes none', async () => {
    const inner = memory();
    let samples = 0;
    const failing: JobBackend = {
      ...inner,
      sampleDepth: async () => {
        samples += 1;
        return Promise.reject(new Error('sample failed'));
      },
    };
    const errors: Error[] = [];
    const worker = start(failing, { tasks: [noop], logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(() => expect(errors.map((error) => error.message)).toEqual(['sample failed']));
    expect(samples).toBe(1);
    await worker.stop();
    // The memory backend without its (optional) sampleDepth.
    const without: JobBackend = { ...memory() };
    expect(Reflect.deleteProperty(without, 'sampleDepth')).toBe(true);
    expect('sampleDepth' in without).toBe(false);
    start(without, { tasks: [noop], logger: quiet });
    const id = await createQueue({ backend: without }).enqueue(noop, {});
    await eventually(async () => expect((await without.get(id))?.state).toBe('succeeded'));
  });

  it('keeps running a job through a short backend outage while its lease, renewed at each beat, has not lapsed locally', async () => {
    const inner = memory();
    let down = false;
    const backend: JobBackend = { ...inner, heartbeat: async (leases, leaseMs) => (down ? Promise.reject(new Error('connection refused')) : inner.heartbeat(leases, leaseMs)) };
    let finish: () => void = () => undefined;
    let aborted = false;
    const long = defineTask('long', {
      handler: async (_payload: object, { signal }) => {
        signal.addEventListener('abort', () => (aborted = true));
        await new Promise<void>((resolve) => (finish = resolve));
      },
    });
    const errors: Error[] = [];
    const id = await createQueue({ backend }).enqueue(long, {});
    const worker = start(backend, { tasks: [long], concurrency: 1, leaseMs: 5_000, heartbeatMs: 50, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(async () => expect((await backend.get(id))?.state).toBe('running'));
    // A few beats renew the lease to about now + 5 s; then three beats fail, well within it.
    await sleep(200);
    down = true;
    await eventually(() => expect(errors.length).toBeGreaterThanOrEqual(3));
    down = false;
    expect(aborted).toBe(false);
    finish();
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
  });
});

describe('worker task list', () => {
  it('ignores what is not a task in a record of tasks (null, undefined, strings), and takes one task listed twice', async () => {
    const backend = memory();
    const record: Record<string, unknown> = { nothing: null, missing: undefined, text: 'noop', noop };
    start(backend, { tasks: record, logger: quiet });
    start(backend, { tasks: [noop, noop], logger: quiet });
    const id = await createQueue({ backend }).enqueue(noop, {});
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
  });

  it('claims grouped tasks with their group concurrency, none when unbounded', async () => {
    const inner = memory();
    const groups: unknown[] = [];
    const backend: JobBackend = {
      ...inner,
      claim: async (options) => {
        groups.push(options.groups);
        return inner.claim(options);
      },
    };
    const key = (payload: { tenant: string }): string => payload.tenant;
    const tasks = [
      defineTask('plain', { handler: (_payload: { tenant: string }) => undefined }),
      defineTask('fair', { group: { key }, handler: (_payload: { tenant: string }) => undefined }),
      defineTask('unbounded', { group: { key, concurrency: Infinity }, handler: (_payload: { tenant: string }) => undefined }),
      defineTask('bounded', { group: { key, concurrency: 2 }, handler: (_payload: { tenant: string }) => undefined }),
    ];
    start(backend, { tasks, logger: quiet });
    await eventually(() => expect(groups.length).toBeGreaterThan(0));
    expect(groups[0]).toStrictEqual({ fair: {}, unbounded: {}, bounded: { concurrency: 2 } });
  });
});
