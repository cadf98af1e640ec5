import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import type { NewJob } from '../../src/jobs/job.js';
import { createQueue } from '../../src/jobs/queue.js';

const anything = defineTask<unknown>('anything', { handler: () => undefined });
const backends: JobBackend[] = [];

/** A SQLite backend whose enqueue calls are recorded. */
function recordedQueue() {
  const backend = createSqliteBackend({ path: ':memory:' });
  backends.push(backend);
  const calls: number[] = [];
  const enqueue = backend.enqueue.bind(backend);
  backend.enqueue = (jobs: readonly NewJob[]) => {
    calls.push(jobs.length);
    return enqueue(jobs);
  };
  return { queue: createQueue({ backend }), calls };
}

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

describe('queue.enqueue coalescing', () => {
  it('stores enqueues issued in the same turn with one backend call, each resolving to its own id', async () => {
    const { queue, calls } = recordedQueue();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => queue.enqueue(anything, { n })));
    expect(calls).toEqual([20]);
    expect(new Set(ids).size).toBe(20);
    const payloads = await Promise.all(ids.map(async (id) => (await queue.get(id))?.payload));
    expect(payloads).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
  });

  it('still dedupes keys within one batch', async () => {
    const { queue } = recordedQueue();
    const [first, second, other] = await Promise.all([
      queue.enqueue(anything, 1, { key: 'k' }),
      queue.enqueue(anything, 2, { key: 'k' }),
      queue.enqueue(anything, 3, { key: 'other' }),
    ]);
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    expect((await queue.list()).total).toBe(2);
  });

  it('fails only the call whose job cannot be stored when a batch fails', async () => {
    const { queue, calls } = recordedQueue();
    const outcomes = await Promise.allSettled([queue.enqueue(anything, { n: 1 }), queue.enqueue(anything, { n: 10n }), queue.enqueue(anything, { n: 3 })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([3, 1, 1, 1]);
    expect((await queue.list()).total).toBe(2);
  });

  it('makes one backend call for a lone enqueue, even one that fails', async () => {
    const { queue, calls } = recordedQueue();
    await expect(queue.enqueue(anything, { n: 10n })).rejects.toThrow();
    expect(calls).toEqual([1]);
  });

  it('keeps one backend call per enqueue when each is awaited', async () => {
    const { queue, calls } = recordedQueue();
    for (let n = 0; n < 3; n += 1) await queue.enqueue(anything, n);
    expect(calls).toEqual([1, 1, 1]);
  });
});
