import { afterEach, describe, expect, it } from 'vitest';
import type { JobBackend, Lease, LeaseStatus } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import type { TaskDefinition } from '../../src/jobs/task-definition.js';
import type { WorkerLogger } from '../../src/jobs/worker-logger.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// The heartbeat as a handler and an operator see it: why a running handler is aborted (the
// reason on its signal, the log line), which jobs are beaten for, and the timers a job leaves.

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const { memory, start } = useMemoryWorkers();
/** Opens what a test holds shut; run before the workers are stopped (after-hooks run last registered first). */
let release: () => void = () => undefined;
afterEach(() => release());

/** A task whose handler waits for its signal's abort and records the reason. */
function abortable(name: string): { task: TaskDefinition<object, void, object>; reasons: unknown[] } {
  const reasons: unknown[] = [];
  const task = defineTask(name, {
    handler: (_payload: object, { signal }) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          reasons.push(signal.reason);
          resolve();
        });
      }),
  });
  return { task, reasons };
}

/** A logger that keeps its warnings. */
function warnings(): { logger: WorkerLogger; warned: [object, string | undefined][] } {
  const warned: [object, string | undefined][] = [];
  return { logger: { ...quiet, warn: (object, message) => void warned.push([object, message]) }, warned };
}

describe('the heartbeat', () => {
  it("aborts a cancelled job's handler with ERRAND_JOB_CANCELLED, naming the job", async () => {
    const backend = memory();
    const { task, reasons } = abortable('cancel-me');
    const queue = createQueue({ backend });
    const id = await queue.enqueue(task, {});
    start(backend, { tasks: [task], heartbeatMs: 20, logger: quiet });
    await eventually(async () => expect((await backend.get(id))?.state).toBe('running'));
    await queue.cancel(id);
    await eventually(() => expect(reasons).toHaveLength(1));
    expect(reasons[0]).toMatchObject({ code: 'ERRAND_JOB_CANCELLED', message: `job "${id}" was cancelled while running` });
  });

  it('aborts the handler of a job whose lease the backend reports lost, and logs it once with the job id and attempt', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, heartbeat: (leases) => Promise.resolve(leases.map((): LeaseStatus => 'lost')) };
    const { task, reasons } = abortable('lose-me');
    const id = await createQueue({ backend }).enqueue(task, {});
    const { logger, warned } = warnings();
    start(backend, { tasks: [task], heartbeatMs: 20, logger });
    await eventually(() => expect(reasons).toHaveLength(1));
    expect(reasons[0]).toMatchObject({ code: 'ERRAND_LEASE_LOST', message: `the lease on job "${id}" was lost` });
    // The heartbeat's line comes first (the attempt then logs the discarded outcome).
    expect(warned[0]).toEqual([{ jobId: id, attempt: 1 }, 'heartbeat: lease lost; aborting the handler']);
    expect(warned.filter(([, message]) => message?.startsWith('heartbeat:') === true)).toHaveLength(1);
  });

  it('aborts the handler once its lease has lapsed locally while the backend cannot be reached', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner, heartbeat: () => Promise.reject(new Error('connection refused')) };
    const { task, reasons } = abortable('lapse-me');
    const id = await createQueue({ backend }).enqueue(task, {});
    start(backend, { tasks: [task], leaseMs: 300, heartbeatMs: 50, logger: quiet });
    await eventually(() => expect(reasons.length).toBeGreaterThanOrEqual(1));
    expect(reasons[0]).toMatchObject({ code: 'ERRAND_LEASE_LOST', message: `the lease on job "${id}" lapsed while the backend was unreachable` });
  });

  it('beats for a job whose outcome is still being recorded, without failing when its lease is lost, and stops beating for it once aborted', async () => {
    const inner = memory();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // A failed assertion still opens it, so that the worker can stop.
    release = () => open();
    const beats: string[][] = [];
    let lose = '';
    const backend: JobBackend = {
      ...inner,
      // The success of a job is recorded only when the test opens the gate.
      complete: async (lease, result) => gate.then(() => inner.complete(lease, result)),
      completeMany: async (completions) => gate.then(() => (inner.completeMany === undefined ? [] : inner.completeMany(completions))),
      heartbeat: async (leases: readonly Lease[], leaseMs) => {
        beats.push(leases.map((lease) => lease.jobId));
        const statuses = await inner.heartbeat(leases, leaseMs);
        return leases.map((lease, index) => (lease.jobId === lose ? 'lost' : (statuses[index] ?? 'lost')));
      },
    };
    const quick = defineTask('quick', { handler: (_payload: object) => 'done' });
    const { task: long, reasons } = abortable('long');
    const queue = createQueue({ backend });
    const longId = await queue.enqueue(long, {});
    const { logger, warned } = warnings();
    const errors: Error[] = [];
    const worker = start(backend, { tasks: [quick, long], heartbeatMs: 20, logger });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(async () => expect((await backend.get(longId))?.state).toBe('running'));
    const quickId = await queue.enqueue(quick, {});
    // The quick job's handler has returned; its success waits at the gate, and it is beaten for meanwhile.
    await eventually(() => expect(beats.some((beat) => beat.includes(quickId))).toBe(true));
    lose = quickId;
    await eventually(() => expect(warned.length).toBeGreaterThanOrEqual(1));
    expect(warned[0]).toEqual([{ jobId: quickId, attempt: 1 }, 'heartbeat: lease lost; aborting the handler']);
    // Three more beats (the long job keeps the heartbeat going): none for the aborted job, no error.
    const seen = beats.length;
    await eventually(() => expect(beats.length).toBeGreaterThanOrEqual(seen + 3));
    const later = beats.slice(seen);
    open();
    expect(later.filter((beat) => beat.includes(quickId))).toEqual([]);
    expect(errors).toEqual([]);
    expect(reasons).toEqual([]);
    await eventually(async () => expect((await backend.get(quickId))?.state).toBe('succeeded'));
  });

  it('sends no heartbeat while the worker has no job', async () => {
    const inner = memory();
    let beats = 0;
    let claims = 0;
    const backend: JobBackend = {
      ...inner,
      heartbeat: async (leases, leaseMs) => {
        beats += 1;
        return inner.heartbeat(leases, leaseMs);
      },
      claim: async (options) => {
        claims += 1;
        return inner.claim(options);
      },
    };
    const { task } = abortable('idle');
    start(backend, { tasks: [task], heartbeatMs: 10, pollMs: 10, logger: quiet });
    // Several polls of an empty queue, each time several heartbeat periods.
    await eventually(() => expect(claims).toBeGreaterThanOrEqual(3));
    await sleep(100);
    expect(beats).toBe(0);
  });
});

describe("a job's timers", () => {
  it("clears a task's timeout timer when the job ends first: the handler's signal is never aborted afterwards", async () => {
    const backend = memory();
    const reasons: unknown[] = [];
    const timed = defineTask('timed', {
      timeout: 100,
      handler: (_payload: object, { signal }) => {
        signal.addEventListener('abort', () => reasons.push(signal.reason));
        return 'done';
      },
    });
    start(backend, { tasks: [timed], logger: quiet });
    const id = await createQueue({ backend }).enqueue(timed, {});
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
    // Set after the job's timeout timer and due later, so it fires after that timer would have.
    await sleep(150);
    expect(reasons).toEqual([]);
  });
});
