import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A memory backend whose claims take 20 ms, like a remote one: quick jobs then make the worker claim
 * a batch ahead of its free slots.
 */
function slowClaims(): JobBackend {
  const inner = createMemoryBackend();
  cleanups.push(() => inner.close());
  const claim = inner.claim.bind(inner);
  return Object.assign(Object.create(inner) as JobBackend, {
    claim: async (options: Parameters<JobBackend['claim']>[0]) => {
      await sleep(20);
      return claim(options);
    },
  });
}

describe('worker claiming ahead', () => {
  it('holds jobs claimed ahead without running more than concurrency, renews them, and releases them at stop', async () => {
    const backend = slowClaims();
    let running = 0;
    let peak = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const task = defineTask('ahead', {
      handler: async (payload: { block: boolean }) => {
        if (!payload.block) return;
        running += 1;
        peak = Math.max(peak, running);
        await gate;
        running -= 1;
      },
    });
    const queue = createQueue({ backend });
    const quick = await queue.enqueueMany(Array.from({ length: 8 }, () => ({ task, payload: { block: false } })));
    const worker: Worker = createWorker({ backend, tasks: [task], concurrency: 2, leaseMs: 400, heartbeatMs: 50, pollMs: 25, pruneIntervalMs: 0, logger: quiet }).start();
    cleanups.push(async () => (open(), worker.stop({ timeoutMs: 0 })));
    for (const id of quick) await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));

    const blocked = await queue.enqueueMany(Array.from({ length: 6 }, () => ({ task, payload: { block: true } })));
    // Two run; up to one batch (two) more waits in the worker's hands.
    await eventually(() => expect(worker.activeCount).toBe(4));
    await sleep(500); // past one lease: the waiting jobs' leases were renewed, nobody took them back
    expect(peak).toBe(2);
    expect(worker.activeCount).toBe(4);
    const states = await Promise.all(blocked.map(async (id) => (await backend.get(id))?.state));
    expect(states.filter((state) => state === 'running')).toHaveLength(4);

    let released = -1;
    worker.on('worker:stopped', (event) => (released = event.released));
    await worker.stop({ timeoutMs: 0 });
    expect(released).toBe(4);
    for (const id of blocked) expect(await backend.get(id)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('settles a job cancelled while it waited for a slot without running it', async () => {
    const backend = slowClaims();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ran: number[] = [];
    const task = defineTask('ahead-cancel', {
      handler: async (payload: { n: number }) => {
        ran.push(payload.n);
        if (payload.n >= 0) await gate;
      },
    });
    const queue = createQueue({ backend });
    const warmup = await queue.enqueueMany(Array.from({ length: 8 }, (_, n) => ({ task, payload: { n: -1 - n } })));
    const worker = createWorker({ backend, tasks: [task], concurrency: 1, leaseMs: 1_000, heartbeatMs: 50, pollMs: 25, pruneIntervalMs: 0, logger: quiet }).start();
    cleanups.push(async () => (open(), worker.stop({ timeoutMs: 0 })));
    for (const id of warmup) await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));

    const [first, second] = await queue.enqueueMany([0, 1].map((n) => ({ task, payload: { n } })));
    await eventually(() => expect(worker.activeCount).toBe(2));
    expect(ran.filter((n) => n >= 0)).toEqual([0]);
    expect(await backend.cancel(second)).toBe(true);
    await eventually(async () => expect((await backend.get(second))?.state).toBe('cancelled'));
    open();
    await eventually(async () => expect((await backend.get(first))?.state).toBe('succeeded'));
    expect(ran.filter((n) => n >= 0)).toEqual([0]);
  });
});
