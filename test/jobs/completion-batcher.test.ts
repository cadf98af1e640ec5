import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { Completion, JobBackend } from '../../src/jobs/backend.js';
import { backendUnavailableError, leaseLostError } from '../../src/jobs/backend-errors.js';
import { CompletionBatcher, type CompletionOutcome } from '../../src/jobs/completion-batcher.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { indexTasks } from '../../src/jobs/runnable-task.js';
import { ActiveJob } from '../../src/jobs/worker-active-job.js';
import { recordingLogger } from './recording-logger.js';

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

/** A stop deadline that has not passed. */
const notPast = new AbortController().signal;
const quiet = recordingLogger().logger;

/** Hands `jobs` to a batcher on `backend` one by one and drains it: each job's settling (`r0 stored`) and each error reported. */
async function completeEach(backend: JobBackend, jobs: ActiveJob[]): Promise<{ settled: string[]; errors: string[] }> {
  const settled: string[] = [];
  const errors: string[] = [];
  const batcher = new CompletionBatcher({ backend, maxBatch: 10, onError: (error) => errors.push(error.message), onSettled: (active, outcome) => void settled.push(`${String(active.result)} ${outcome}`), logger: quiet, pastDeadline: notPast });
  for (const job of jobs) batcher.add(job);
  await batcher.drain();
  return { settled, errors };
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
  return { batches, settled, errors, batcher: new CompletionBatcher({ backend: wrapped, maxBatch, onError: (error) => errors.push(error.message), onSettled, logger: quiet, pastDeadline: notPast }) };
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
    const { settled, errors } = await completeEach(single, jobs);
    expect(settled.sort()).toEqual(['r0 stored', 'r1 lease-lost', 'r2 failed']);
    expect(errors).toEqual(['write failed']);
  });

  it('reports a throwing onSettled as an error and still settles the other completions', async () => {
    const { backend, jobs } = await claimed(2);
    const settled: string[] = [];
    const errors: Error[] = [];
    const onSettled = (active: ActiveJob, outcome: CompletionOutcome): void => {
      if (active.result === 'r0') throw new Error('listener broke');
      settled.push(`${String(active.result)} ${outcome}`);
    };
    const batcher = new CompletionBatcher({ backend, maxBatch: 10, onError: (error) => errors.push(error), onSettled, logger: quiet, pastDeadline: notPast });
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(settled).toEqual(['r1 stored']);
    expect(errors.map((error) => error.message)).toEqual(['listener broke']);
  });
  it('tries a batch the backend refused transiently again until it is stored, reporting and logging each refusal', async () => {
    const { backend, jobs } = await claimed(3);
    const store = backend.completeMany!.bind(backend);
    let calls = 0;
    const { batches, settled, errors, batcher } = recording(backend, 10, (completions) => {
      calls += 1;
      return calls <= 2 ? Promise.reject(backendUnavailableError(`connection terminated (${calls})`)) : store(completions);
    });
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(batches).toEqual([
      ['r0', 'r1', 'r2'],
      ['r0', 'r1', 'r2'],
      ['r0', 'r1', 'r2'],
    ]);
    expect(settled.sort()).toEqual(['r0 stored', 'r1 stored', 'r2 stored']);
    expect(errors).toEqual(['connection terminated (1)', 'connection terminated (2)']);
    for (const job of jobs) expect((await backend.get(job.job.jobId))?.state).toBe('succeeded');
  });

  it('logs each new try of a refused batch with the ids of its jobs', async () => {
    const { backend, jobs } = await claimed(2);
    const store = backend.completeMany!.bind(backend);
    let calls = 0;
    const { logger, lines } = recordingLogger();
    const wrapped: JobBackend = { ...backend, completeMany: (completions) => (++calls === 1 ? Promise.reject(backendUnavailableError('busy')) : store(completions)) };
    const batcher = new CompletionBatcher({ backend: wrapped, maxBatch: 10, onError: () => undefined, onSettled: () => undefined, logger, pastDeadline: notPast });
    for (const job of jobs) batcher.add(job);
    await batcher.drain();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { action: 'complete', jobIds: jobs.map((job) => job.job.jobId), tries: 1 } });
    expect(lines[0]?.fields.retryInMs).toBeGreaterThanOrEqual(50);
    expect(lines[0]?.fields.retryInMs).toBeLessThan(60);
  });

  it('gives up on a refused completion once the next try would come after the lease it held, settling it failed', async () => {
    const { backend, jobs } = await claimed(2);
    // r0's lease ends in 120 ms (tries at about 0, 50 and 150 ms: the third would pass it); r1's in 60 s.
    jobs[0].lease.leaseUntil = Date.now() + 120;
    const store = backend.completeMany!.bind(backend);
    let refusing = true;
    const { batches, settled, batcher } = recording(backend, 10, (completions) => (refusing ? Promise.reject(backendUnavailableError('connection terminated')) : store(completions)));
    for (const job of jobs) batcher.add(job);
    // Stop refusing once r0 is given up on: r1 alone is tried, and stored.
    const gaveUp = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (settled.includes('r0 failed')) {
          clearInterval(timer);
          refusing = false;
          resolve();
        }
      }, 5);
    });
    await gaveUp;
    await batcher.drain();
    expect(settled).toEqual(['r0 failed', 'r1 stored']);
    expect(batches.at(-1)).toEqual(['r1']);
    expect(batches.length).toBeLessThanOrEqual(5);
  });

  it('gives up on a refused batch at once when the stop deadline has passed, and tries a waiting one once more', async () => {
    const { backend, jobs } = await claimed(2);
    const deadline = new AbortController();
    let calls = 0;
    const refuse = (): Promise<boolean[]> => ((calls += 1), Promise.reject(backendUnavailableError('connection terminated')));
    const settled: string[] = [];
    const onSettled = (active: ActiveJob, outcome: CompletionOutcome): void => void settled.push(`${String(active.result)} ${outcome}`);
    let refusals = 0;
    const batcher = new CompletionBatcher({ backend: { ...backend, completeMany: refuse }, maxBatch: 1, onError: () => void (refusals += 1), onSettled, logger: quiet, pastDeadline: deadline.signal });
    batcher.add(jobs[0]);
    // r0 was refused and waits for its next try; the deadline passes meanwhile.
    while (refusals === 0) await nextTurn();
    deadline.abort();
    batcher.add(jobs[1]);
    await batcher.drain();
    // r0: its first try and the one it was waiting for; r1: one try.
    expect(calls).toBe(3);
    expect(settled.sort()).toEqual(['r0 failed', 'r1 failed']);
  });

  it('without completeMany: tries a complete refused transiently again, for that job alone', async () => {
    const { backend, jobs } = await claimed(2);
    const single: JobBackend = { ...backend };
    delete single.completeMany;
    const calls: string[] = [];
    let refusedOnce = false;
    single.complete = (lease, result) => {
      calls.push(String(result));
      if (result === 'r1' && !refusedOnce) {
        refusedOnce = true;
        return Promise.reject(backendUnavailableError('connection terminated'));
      }
      return backend.complete(lease, result);
    };
    const { settled, errors } = await completeEach(single, jobs);
    expect(calls.sort()).toEqual(['r0', 'r1', 'r1']);
    expect(settled.sort()).toEqual(['r0 stored', 'r1 stored']);
    expect(errors).toEqual(['connection terminated']);
  });
});
