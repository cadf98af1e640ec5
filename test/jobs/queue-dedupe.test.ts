import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';

const reindex = defineTask('reindex', { schema: z.object({ user: z.string(), v: z.number() }), handler: () => undefined });
const backends: JobBackend[] = [];

function makeQueue(now: () => number = Date.now) {
  const backend = createMemoryBackend({ now });
  backends.push(backend);
  return createQueue({ backend, now });
}

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

describe('enqueue with a dedupe mode', () => {
  it("defaults to 'active': the running holder's id comes back and nothing is stored", async () => {
    const queue = makeQueue();
    const first = await queue.enqueue(reindex, { user: 'a', v: 1 }, { key: 'reindex:a' });
    await queue.backend.claim({ workerId: 'w', tasks: ['reindex'], limit: 1, leaseMs: 30_000, waitMs: 0 });
    expect(await queue.enqueue(reindex, { user: 'a', v: 2 }, { key: 'reindex:a' })).toBe(first);
    expect(await queue.enqueue(reindex, { user: 'a', v: 2 }, { key: 'reindex:a', dedupe: 'active' })).toBe(first);
    expect((await queue.list()).total).toBe(1);
  });

  it("hands the mode to the backend: 'replace' keeps the first id and the last payload, within one enqueueMany too", async () => {
    const queue = makeQueue();
    const ids = await queue.enqueueMany([
      { task: reindex, payload: { user: 'a', v: 1 }, options: { key: 'k', dedupe: 'replace' } },
      { task: reindex, payload: { user: 'a', v: 2 }, options: { key: 'k', dedupe: 'replace' } },
    ]);
    expect(ids[1]).toBe(ids[0]);
    const again = await queue.enqueue(reindex, { user: 'a', v: 3 }, { key: 'k', dedupe: 'replace' });
    expect(again).toBe(ids[0]);
    expect((await queue.get(again))?.payload).toEqual({ user: 'a', v: 3 });
  });

  it('debounces: the job is due delayMs after the last enqueue, capped at maxDelayMs after the first', async () => {
    let clock = 1_000_000;
    const queue = makeQueue(() => clock);
    const dedupe = { debounce: { delayMs: 1_000, maxDelayMs: 2_500 } };
    const id = await queue.enqueue(reindex, { user: 'a', v: 1 }, { key: 'd', dedupe });
    expect(await queue.get(id)).toMatchObject({ state: 'delayed', runAt: 1_001_000 });
    clock += 800;
    expect(await queue.enqueue(reindex, { user: 'a', v: 2 }, { key: 'd', dedupe })).toBe(id);
    expect((await queue.get(id))?.runAt).toBe(1_001_800);
    clock += 800;
    await queue.enqueue(reindex, { user: 'a', v: 3 }, { key: 'd', dedupe });
    expect(await queue.get(id)).toMatchObject({ runAt: 1_002_500, payload: { user: 'a', v: 3 } });
    clock = 1_002_500;
    expect(await queue.backend.claim({ workerId: 'w', tasks: ['reindex'], limit: 5, leaseMs: 30_000, waitMs: 0 })).toMatchObject([{ jobId: id, payload: { user: 'a', v: 3 } }]);
  });

  it('refuses a mode without a key, debounce with delay or runAt, and bad debounce times (RangeError)', async () => {
    const queue = makeQueue();
    const payload = { user: 'a', v: 1 };
    await expect(queue.enqueue(reindex, payload, { dedupe: 'queued' })).rejects.toThrow(/needs a key/);
    await expect(queue.enqueue(reindex, payload, { key: 'k', delay: 5, dedupe: { debounce: { delayMs: 10 } } })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(reindex, payload, { key: 'k', runAt: Date.now(), dedupe: { debounce: { delayMs: 10 } } })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(reindex, payload, { key: 'k', dedupe: { debounce: { delayMs: -1 } } })).rejects.toThrow(/delayMs/);
    await expect(queue.enqueue(reindex, payload, { key: 'k', dedupe: { debounce: { delayMs: 1.5 } } })).rejects.toThrow(/delayMs/);
    await expect(queue.enqueue(reindex, payload, { key: 'k', dedupe: { debounce: { delayMs: 100, maxDelayMs: 99 } } })).rejects.toThrow(/maxDelayMs/);
    // @ts-expect-error not a mode
    await expect(queue.enqueue(reindex, payload, { key: 'k', dedupe: 'latest' })).rejects.toThrow(/dedupe must be/);
    expect((await queue.list()).total).toBe(0);
  });
});
