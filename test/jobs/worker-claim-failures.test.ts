import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// How a worker's claims go wrong and what it does then, through the public API on the memory
// backend wrapped to fail: a claim that throws instead of rejecting, a claim answering a job of a
// task the worker does not run, a worker stopped while it waits for its liveness thread.

const dir = mkdtempSync(join(tmpdir(), 'errand-claim-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const { memory, start } = useMemoryWorkers();
const noop = defineTask('noop', { handler: (n: number) => n });
const other = defineTask('other', { handler: (n: number) => n });

describe('a worker’s claims', () => {
  it('reports a claim that throws instead of rejecting, and claims again', async () => {
    const inner = memory();
    let throws = 1;
    const backend: JobBackend = {
      ...inner,
      claim: (options) => {
        if (throws > 0) {
          throws -= 1;
          throw new Error('driver bug');
        }
        return inner.claim(options);
      },
    };
    const id = await createQueue({ backend }).enqueue(noop, 1);
    const worker = start(backend, { tasks: [noop], logger: quiet });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => errors.push(error.message));
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
    expect(errors).toEqual(['driver bug']);
  });

  it('ignores a job of a task it does not run that a backend answered anyway, and runs the others', async () => {
    const inner = memory();
    const queue = createQueue({ backend: inner });
    await queue.enqueue(other, 1);
    const mine = await queue.enqueue(noop, 2);
    // A backend that ignores the claim's task names.
    const backend: JobBackend = { ...inner, claim: (options) => inner.claim({ ...options, tasks: ['noop', 'other'] }) };
    const worker = start(backend, { tasks: [noop], logger: quiet });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => errors.push(error.message));
    await eventually(async () => expect((await inner.get(mine))?.state).toBe('succeeded'));
    expect(errors).toEqual([]);
  });

  it('stopped while it waits for its liveness thread: never ready, no claim', async () => {
    const inner = memory();
    let claims = 0;
    const backend: JobBackend = {
      ...inner,
      // A thread that takes 30 s to boot.
      liveness: () => ({ moduleUrl: new URL('./fixtures/scripted-liveness-writer.ts', import.meta.url).href, config: { file: join(dir, 'slow.log'), mainThreadId: threadId, threadDelayMs: 30_000 } }),
      claim: (options) => ((claims += 1), inner.claim(options)),
    };
    const worker = start(backend, { tasks: [noop], logger: quiet });
    let ready = false;
    worker.on('worker:ready', () => (ready = true));
    await sleep(200);
    await worker.stop();
    expect(ready).toBe(false);
    expect(claims).toBe(0);
  });
});
