import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { isErrandError } from '../../src/errors/errand-error.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';

const welcome = defineTask('welcome', { schema: z.object({ email: z.email() }), retries: 2, handler: () => undefined });
const backends: JobBackend[] = [];

function makeQueue(now?: () => number) {
  const backend = createMemoryBackend(now === undefined ? {} : { now });
  backends.push(backend);
  return createQueue(now === undefined ? { backend } : { backend, now });
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => new Error('expected a rejection'), (error: unknown) => error);
}

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

describe('createQueue', () => {
  it('validates at enqueue, stores the job with retries + 1 attempts and a UUID id', async () => {
    const queue = makeQueue();
    const id = await queue.enqueue(welcome, { email: 'a@b.co' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await queue.get(id)).toMatchObject({ task: 'welcome', payload: { email: 'a@b.co' }, state: 'queued', maxAttempts: 3, priority: 0 });
  });

  it('refuses an invalid payload with ERRAND_JOB_PAYLOAD_INVALID and stores nothing', async () => {
    const queue = makeQueue();
    const error = await thrown(queue.enqueue(welcome, { email: 'nope' }));
    expect(isErrandError(error, 'ERRAND_JOB_PAYLOAD_INVALID')).toBe(true);
    expect((error as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ pointer: '/email' })]);
    expect((await queue.list()).total).toBe(0);
  });

  it('turns delay and runAt into a due time, and refuses both at once or nonsense values', async () => {
    const queue = makeQueue(() => 1_000_000);
    expect((await queue.get(await queue.enqueue(welcome, { email: 'a@b.co' }, { delay: 5_000 })))?.runAt).toBe(1_005_000);
    expect((await queue.get(await queue.enqueue(welcome, { email: 'a@b.co' }, { runAt: new Date(2_000_000) })))?.runAt).toBe(2_000_000);
    expect((await queue.get(await queue.enqueue(welcome, { email: 'a@b.co' }, { runAt: 3_000_000, priority: 7 })))).toMatchObject({ runAt: 3_000_000, priority: 7, state: 'delayed' });
    // Due times are whole ms, rounded up ("no sooner than"): the SQL backends store integers.
    expect((await queue.get(await queue.enqueue(welcome, { email: 'a@b.co' }, { delay: 1.5 })))?.runAt).toBe(1_000_002);
    expect((await queue.get(await queue.enqueue(welcome, { email: 'a@b.co' }, { runAt: 3_000_000.25 })))?.runAt).toBe(3_000_001);
    await expect(queue.enqueue(welcome, { email: 'a@b.co' }, { delay: 1, runAt: 2 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(welcome, { email: 'a@b.co' }, { delay: -1 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(welcome, { email: 'a@b.co' }, { priority: 1.5 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(welcome, { email: 'a@b.co' }, { runAt: new Date('nope') })).rejects.toThrow(RangeError);
  });

  it('returns the existing id when a key deduplicates', async () => {
    const queue = makeQueue();
    const first = await queue.enqueue(welcome, { email: 'a@b.co' }, { key: 'welcome:a' });
    expect(await queue.enqueue(welcome, { email: 'a@b.co' }, { key: 'welcome:a' })).toBe(first);
  });

  it('enqueues many jobs in one backend call, validating all of them first', async () => {
    const queue = makeQueue();
    const ids = await queue.enqueueMany([{ task: welcome, payload: { email: 'a@b.co' } }, { task: welcome, payload: { email: 'c@d.co' }, options: { priority: 2 } }]);
    expect(ids).toHaveLength(2);
    expect((await queue.list()).total).toBe(2);
    await expect(queue.enqueueMany([{ task: welcome, payload: { email: 'ok@b.co' } }, { task: welcome, payload: { email: 'bad' } }])).rejects.toThrow(/payload/);
    expect((await queue.list()).total).toBe(2);
    expect(await queue.enqueueMany([])).toEqual([]);
  });

  it('enqueues jobs of different tasks in one call, each payload typed by its own task', async () => {
    const queue = makeQueue();
    const resize = defineTask('resize', { handler: (payload: { width: number }) => payload.width });
    const [first, second] = await queue.enqueueMany([
      { task: welcome, payload: { email: 'a@b.co' } },
      { task: resize, payload: { width: 640 }, options: { priority: 1 } },
    ]);
    expect(await queue.get(first)).toMatchObject({ task: 'welcome', payload: { email: 'a@b.co' } });
    expect(await queue.get(second)).toMatchObject({ task: 'resize', payload: { width: 640 }, priority: 1 });
    // Checked by `npm run typecheck`: a payload of another task's shape does not compile.
    const wrongShape = (): Promise<string[]> =>
      // @ts-expect-error resize takes { width }, not { email }
      queue.enqueueMany([{ task: welcome, payload: { email: 'a@b.co' } }, { task: resize, payload: { email: 'c@d.co' } }]);
    expect(typeof wrongShape).toBe('function');
  });

  it('cancels, retries and removes by id, with ERRAND_JOB_NOT_FOUND and ERRAND_JOB_NOT_RETRYABLE where they apply', async () => {
    const queue = makeQueue();
    const id = await queue.enqueue(welcome, { email: 'a@b.co' });
    expect(isErrandError(await thrown(queue.retry(id)), 'ERRAND_JOB_NOT_RETRYABLE')).toBe(true);
    expect(await queue.cancel(id)).toBe(true);
    expect(await queue.cancel(id)).toBe(false);
    await queue.retry(id);
    expect((await queue.get(id))?.state).toBe('queued');
    expect(await queue.remove(id)).toBe(true);
    for (const action of [() => queue.cancel('missing'), () => queue.retry('missing'), () => queue.remove('missing')]) {
      const error = await thrown(action());
      expect(isErrandError(error, 'ERRAND_JOB_NOT_FOUND')).toBe(true);
    }
    expect((await queue.stats()).counts.queued).toBe(0);
  });
});
