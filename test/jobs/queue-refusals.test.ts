import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { AppTransaction, JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue, maxPriority } from '../../src/jobs/queue.js';

const note = defineTask('note', { handler: (_payload: { n: number }) => undefined });
/** A Standard Schema that answers asynchronously, and refuses a negative n. */
const checkedLater = defineTask('checked-later', {
  schema: {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value: unknown) => {
        await Promise.resolve();
        return typeof value === 'object' && value !== null && (value as { n: number }).n >= 0 ? { value: value as { n: number } } : { issues: [{ message: 'n must be >= 0' }] };
      },
    },
  },
  handler: () => undefined,
});
const backends: JobBackend[] = [];

function memory(): JobBackend {
  const backend = createMemoryBackend();
  backends.push(backend);
  return backend;
}

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

describe('queue refusals and edges', () => {
  it('accepts the bounds of delay and priority, and says what is wrong with a value past them', async () => {
    const queue = createQueue({ backend: memory(), now: () => 1_000 });
    expect((await queue.get(await queue.enqueue(note, { n: 1 }, { delay: 0 })))?.runAt).toBe(1_000);
    expect((await queue.get(await queue.enqueue(note, { n: 1 }, { priority: maxPriority })))?.priority).toBe(maxPriority);
    await expect(queue.enqueue(note, { n: 1 }, { priority: maxPriority + 1 })).rejects.toThrow(`enqueue: priority must be an integer in 0..${maxPriority} (lower runs sooner), got ${maxPriority + 1}`);
    await expect(queue.enqueue(note, { n: 1 }, { priority: -1 })).rejects.toThrow(RangeError);
    await expect(queue.enqueue(note, { n: 1 }, { delay: -5 })).rejects.toThrow('enqueue: delay must be a finite number of ms >= 0, got -5');
    await expect(queue.enqueue(note, { n: 1 }, { delay: 1, runAt: 2 })).rejects.toThrow('enqueue: give either delay or runAt, not both');
    await expect(queue.enqueue(note, { n: 1 }, { runAt: Number.NaN })).rejects.toThrow('enqueue: runAt is not a valid date');
    await expect(queue.enqueue(note, { n: 1 }, { key: 'k', dedupe: { debounce: { delayMs: 5 } }, delay: 5 })).rejects.toThrow(
      'enqueue: a debounced job runs dedupe.debounce.delayMs after the last enqueue; give no delay or runAt',
    );
  });

  it('waits for an asynchronous schema before storing, alone or mixed with synchronous tasks in enqueueMany', async () => {
    const queue = createQueue({ backend: memory() });
    await expect(queue.enqueue(checkedLater, { n: -1 })).rejects.toMatchObject({ code: 'ERRAND_JOB_PAYLOAD_INVALID' });
    expect((await queue.list()).total).toBe(0);
    const [sync, async] = await queue.enqueueMany([
      { task: note, payload: { n: 1 } },
      { task: checkedLater, payload: { n: 2 } },
    ]);
    expect(await queue.get(sync)).toMatchObject({ task: 'note', payload: { n: 1 } });
    expect(await queue.get(async)).toMatchObject({ task: 'checked-later', payload: { n: 2 } });
    expect(await queue.enqueueMany([])).toStrictEqual([]);
  });

  it('refuses an enqueueMany whose items name transactions it cannot write with one, before asking the backend', async () => {
    const queue = createQueue({ backend: memory() });
    const [one, two] = [{ name: 'tx one' }, { name: 'tx two' }] as unknown as [AppTransaction, AppTransaction];
    await expect(queue.enqueueMany([{ task: note, payload: { n: 1 }, options: { tx: one } }, { task: note, payload: { n: 2 }, options: { tx: two } }])).rejects.toThrow(
      'enqueueMany: items name different transactions; all jobs of one call are stored with one transaction: give it once, as enqueueMany(items, { tx })',
    );
    await expect(queue.enqueueMany([{ task: note, payload: { n: 1 }, options: { tx: one } }, { task: note, payload: { n: 2 } }])).rejects.toThrow(
      'enqueueMany: some items name a transaction and others do not: give it once, as enqueueMany(items, { tx })',
    );
    await expect(queue.enqueueMany([{ task: note, payload: { n: 1 }, options: { tx: two } }], { tx: one })).rejects.toThrow(
      'enqueueMany: an item names another transaction than the call; all jobs of one call are stored with one transaction',
    );
    // Items naming the call's own transaction are fine: the memory backend then says it has no transactions.
    await expect(queue.enqueueMany([{ task: note, payload: { n: 1 }, options: { tx: one } }], { tx: one })).rejects.toMatchObject({
      code: 'ERRAND_TX_UNSUPPORTED',
      message: "enqueue was given `tx` but backend memory cannot store jobs in the app's transaction; use the Postgres or SQLite backend, or an outbox in front of Redis",
    });
  });

  it('rejects with ERRAND_BACKEND_UNAVAILABLE when the backend answers an enqueue with no result', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, enqueue: async () => Promise.resolve([]), enqueueInTransaction: async () => Promise.resolve([]) };
    const queue = createQueue({ backend });
    const noResult = { code: 'ERRAND_BACKEND_UNAVAILABLE', message: 'backend memory answered enqueue with no result' };
    await expect(queue.enqueue(note, { n: 1 })).rejects.toMatchObject(noResult);
    await expect(Promise.all([queue.enqueue(note, { n: 1 }), queue.enqueue(note, { n: 2 })])).rejects.toMatchObject(noResult);
    await expect(queue.enqueue(note, { n: 1 }, { tx: {} })).rejects.toMatchObject(noResult);
    await expect(queue.enqueueMany([{ task: note, payload: { n: 1 } }, { task: note, payload: { n: 2 } }])).rejects.toMatchObject({
      code: 'ERRAND_BACKEND_UNAVAILABLE',
      message: 'backend memory answered enqueue of 2 jobs with 0 results',
    });
  });

  it('says why a job cannot be found, retried or removed, and answers false for removing a running one', async () => {
    const backend = memory();
    const queue = createQueue({ backend });
    await expect(queue.cancel('nope')).rejects.toThrow('no job has id "nope" (it never existed, or it finished and was pruned)');
    const id = await queue.enqueue(note, { n: 1 });
    await expect(queue.retry(id)).rejects.toThrow(`job "${id}" is queued; only dead or cancelled jobs can be retried`);
    await backend.claim({ workerId: 'w', tasks: ['note'], limit: 1, leaseMs: 30_000, waitMs: 0 });
    expect(await queue.remove(id)).toBe(false);
  });

  it('lists schedules by name, keeps the next tick of a schedule resumed while not paused, and names a missing one', async () => {
    const backend = memory();
    const queue = createQueue({ backend, now: () => 5_000_000 });
    const spec = { task: 'note', every: 1_000, timezone: 'UTC', payload: { n: 1 }, overlap: 'skip' as const, missed: 'latest' as const, maxMissed: 100, graceMs: 60_000, priority: 0, maxAttempts: 1 };
    await backend.schedules?.save({ name: 'b', spec, nextRunAt: 1_000, lastTickAt: null, paused: false, updatedAt: 0 });
    await backend.schedules?.save({ name: 'a', spec, nextRunAt: 2_000, lastTickAt: null, paused: false, updatedAt: 0 });
    expect((await queue.listSchedules()).map((schedule) => schedule.name)).toEqual(['a', 'b']);
    await queue.resumeSchedule('b');
    expect((await backend.schedules?.get('b'))?.nextRunAt).toBe(1_000);
    await expect(queue.pauseSchedule('c')).rejects.toThrow('no schedule is named "c" (schedules are stored when a worker declaring them starts)');
    const withoutSchedules: JobBackend = { ...memory() };
    Reflect.deleteProperty(withoutSchedules, 'schedules');
    await expect(createQueue({ backend: withoutSchedules }).listSchedules()).rejects.toMatchObject({ code: 'ERRAND_BACKEND_CONFIG', message: 'backend memory does not store schedules' });
  });
});
