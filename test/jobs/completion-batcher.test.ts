import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { Completion, JobBackend } from '../../src/jobs/backend.js';
import { leaseLostError } from '../../src/jobs/backend-errors.js';
import { CompletionBatcher, type CompletionOutcome } from '../../src/jobs/completion-batcher.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { indexTasks } from '../../src/jobs/runnable-task.js';
import { ActiveJob } from '../../src/jobs/worker-active-job.js';

// The batcher on its own, on a real memory backend wrapped to record or refuse what it is handed:
// which completions go out together, when, and how each one is settled.

const echo = defineTask('echo', { handler: (value: string) => value });
const tasks = indexTasks([echo]);
const backends: JobBackend[] = [];

afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
});

/** A memory backend, with `count` jobs claimed: each an ActiveJob whose result is its payload. */
async function claimed(count: number): Promise<{ backend: JobBackend; jobs: ActiveJob[] }> {
  const backend = createMemoryBackend();
  backends.push(backend);
  await createQueue({ backend }).enqueueMany(Array.from({ length: count }, (_, n) => ({ task: echo, payload: `r${n}` })));
  const claims = await backend.claim({ workerId: 'w', tasks: ['echo'], limit: count, leaseMs: 60_000, waitMs: 0 });
  const jobs = claims.map((job) => {
    const active = new ActiveJob(job, tasks.get('echo')!, Date.now());
    active.result = job.payload;
    return active;
  });
  jobs.sort((a, b) => String(a.result).localeCompare(String(b.result)));
  return { backend, jobs };
}

/** Resolves after the current turn of the event loop (and the callbacks it scheduled) ended. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Recorder {
  batches: string[][];
  settled: string[];
  errors: string[];
  batcher: CompletionBatcher;
}

/** A batcher over `backend` whose `completeMany` calls (results only) and outcomes are recorded. */
function recording(backend: JobBackend, maxBatch: number, completeMany?: (completions: readonly Completion[]) => Promise<boolean[]>): Recorder {
  const batches: string[][] = [];
  const settled: string[] = [];
  const errors: string[] = [];
  const inner = completeMany ?? backend.completeMany!.bind(backend);
  const wrapped: JobBackend = {
    ...backend,
    completeMany: (completions) => {
      batches.push(completions.map(({ result }) => String(result)));
      return inner(completions);
    },
  };
  const onSettled = (active: ActiveJob, outcome: CompletionOutcome): void => void settled.push(`${String(active.result)} ${outcome}`);
  return { batches, settled, errors, batcher: new CompletionBatcher(wrapped, maxBatch, (error) => errors.push(error.message), onSettled) };
}

describe('CompletionBatcher', () => {
  it('sends a full batch at once, and the rest at the end of the turn', async () => {
    const { backend, jobs } = await claimed(5);
    const { batches, settled, batcher } = recording(backend, 2);
    for (const job of jobs) batcher.add(job);
    // Synchronously: the two full batches; the fifth waits for the end of the turn.
    expect(batches).toEqual([
      ['r0', 'r1'],
      ['r2', 'r3'],
    ]);
    await nextTurn();
    expect(batches).toHaveLength(3);
    expect(batches[2]).toEqual(['r4']);
    await batcher.drain();
    expect(settled.sort()).toEqual(['r0 stored', 'r1 stored', 'r2 stored', 'r3 stored', 'r4 stored']);
    expect((await backend.get(jobs[4].job.jobId))?.state).toBe('succeeded');
  });

  it('sends what was added after an earlier batch went out at the end of that later turn too', async () => {
    const { backend, jobs } = await claimed(2);
    const { batches, batcher } = recording(backend, 10);
    batcher.add(jobs[0]);
    await nextTurn();
    expect(batches).toEqual([['r0']]);
    batcher.add(jobs[1]);
    await nextTurn();
    expect(batches).toEqual([['r0'], ['r1']]);
    await batcher.drain();
  });

  it('flush() sends the completions queued so far at once', async () => {
    const { backend, jobs } = await claimed(2);
    const { batches, batcher } = recording(backend, 10);
    batcher.add(jobs[0]);
    batcher.add(jobs[1]);
    expect(batches).toEqual([]);
    batcher.flush();
    expect(batches).toEqual([['r0', 'r1']]);
    // Nothing left for the end of the turn.
    await nextTurn();
    expect(batches).toHaveLength(1);
    await batcher.drain();
  });

  it('drain() sends what is queued and resolves only once every write in flight was answered', async () => {
    const { backend, jobs } = await claimed(2);
    let answer = (): void => undefined;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const store = backend.completeMany!.bind(backend);
    const { batches, settled, batcher } = recording(backend, 1, async (completions) => {
      await held;
      return store(completions);
    });
    batcher.add(jobs[0]);
    expect(batches).toEqual([['r0']]);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    for (let turn = 0; turn < 5; turn += 1) await nextTurn();
    expect(drained).toBe(false);
    expect(settled).toEqual([]);
    answer();
    await draining;
    expect(settled).toEqual(['r0 stored']);

    // Queued and not sent yet: drain() sends it before waiting.
    const { settled: later, batcher: second } = recording(backend, 10);
    second.add(jobs[1]);
    await second.drain();
    expect(later).toEqual(['r1 stored']);
  });

  it('settles each completion of a batch the backend failed to write as failed, and reports the error once', async () => {
    const { backend, jobs } = await claimed(3);
    const { settled, errors, batcher } = recording(backend, 10, () => Promise.reject(new Error('disk full')));
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(settled.sort()).toEqual(['r0 failed', 'r1 failed', 'r2 failed']);
    expect(errors).toEqual(['disk full']);
  });

  it('settles a completion the batch refused as lease-lost', async () => {
    const { backend, jobs } = await claimed(2);
    const { settled, batcher } = recording(backend, 10, (completions) => Promise.resolve(completions.map(({ result }) => result === 'r0')));
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(settled.sort()).toEqual(['r0 stored', 'r1 lease-lost']);
  });

  it('without completeMany: one complete each, a lost lease settled lease-lost, another error failed and reported', async () => {
    const { backend, jobs } = await claimed(3);
    const single: JobBackend = { ...backend };
    delete single.completeMany;
    single.complete = (lease, result) => {
      if (result === 'r1') return Promise.reject(leaseLostError(lease.jobId));
      if (result === 'r2') return Promise.reject(new Error('write failed'));
      return backend.complete(lease, result);
    };
    const settled: string[] = [];
    const errors: string[] = [];
    const batcher = new CompletionBatcher(single, 10, (error) => errors.push(error.message), (active, outcome) => void settled.push(`${String(active.result)} ${outcome}`));
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(settled.sort()).toEqual(['r0 stored', 'r1 lease-lost', 'r2 failed']);
    expect(errors).toEqual(['write failed']);
  });

  it('reports a throwing onSettled as an error and still settles the other completions', async () => {
    const { backend, jobs } = await claimed(2);
    const settled: string[] = [];
    const errors: Error[] = [];
    const batcher = new CompletionBatcher(backend, 10, (error) => errors.push(error), (active, outcome) => {
      if (active.result === 'r0') throw new Error('listener broke');
      settled.push(`${String(active.result)} ${outcome}`);
    });
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(settled).toEqual(['r1 stored']);
    expect(errors.map((error) => error.message)).toEqual(['listener broke']);
  });
});
