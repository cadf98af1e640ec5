import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// A worker on a backend that offers liveness records: its claims wait for the liveness thread's own
// first beat and then say `liveness: true`; with `liveness: false` it asks for no record at all. The
// memory backend, given the scripted writer of test/jobs/fixtures (a real worker thread).

const dir = mkdtempSync(join(tmpdir(), 'errand-worker-liveness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { memory, start } = useMemoryWorkers();
const noop = defineTask('noop', { handler: (n: number) => n });

interface Claim {
  liveness: boolean | undefined;
  /** Whether the liveness thread had written its own record when the claim went out. */
  threadBeat: boolean;
}

/** The memory backend with liveness records written by the recording writer to `file`; every claim is recorded. */
function withLiveness(file: string): { backend: JobBackend; claims: Claim[]; asked: () => number } {
  const inner = memory();
  const claims: Claim[] = [];
  let asked = 0;
  const backend: JobBackend = {
    ...inner,
    liveness: () => {
      asked += 1;
      return { moduleUrl: new URL('./fixtures/scripted-liveness-writer.ts', import.meta.url).href, config: { file, mainThreadId: threadId, threadDelayMs: 300 } };
    },
    claim: (options) => {
      claims.push({ liveness: options.liveness, threadBeat: existsSync(file) && readFileSync(file, 'utf8').includes('thread beat') });
      return inner.claim(options);
    },
  };
  return { backend, claims, asked: () => asked };
}

describe('a worker on a backend with liveness records', () => {
  it('claims only once its liveness thread has beaten, and says so in every claim', async () => {
    const { backend, claims, asked } = withLiveness(join(dir, 'on.log'));
    const id = await createQueue({ backend }).enqueue(noop, 1);
    const worker = start(backend, { tasks: [noop], livenessIntervalMs: 100, livenessTtlMs: 5_000 });
    const errors: Error[] = [];
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
    await worker.stop();
    expect(asked()).toBe(1);
    expect(claims.length).toBeGreaterThan(0);
    expect(claims[0]?.threadBeat).toBe(true);
    expect(claims.every((claim) => claim.liveness === true)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('with liveness: false, asks for no record and claims without one', async () => {
    const { backend, claims, asked } = withLiveness(join(dir, 'off.log'));
    const id = await createQueue({ backend }).enqueue(noop, 1);
    start(backend, { tasks: [noop], liveness: false });
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
    expect(asked()).toBe(0);
    expect(claims.length).toBeGreaterThan(0);
    expect(claims.every((claim) => claim.liveness === false)).toBe(true);
  });
});
