import { afterEach, describe, expect, it } from 'vitest';
import type { JobBackend } from '../jobs/backend.js';
import type { JobDedupe } from '../jobs/dedupe.js';
import type { NewJob } from '../jobs/job.js';
import { defineTask } from '../jobs/define-task.js';
import { createQueue } from '../jobs/queue.js';
import { backendsFor, claim, claimOne, eventually, newJob, sleep, testProblem, type ConformanceOptions } from './conformance-helpers.js';

const queued: JobDedupe = { mode: 'queued' };
const replace: JobDedupe = { mode: 'replace' };

/** A keyed job in `dedupe` mode (undefined: the default, 'active'). */
function keyed(key: string, dedupe: JobDedupe | undefined, overrides: Partial<NewJob> = {}): NewJob {
  return newJob({ key, ...(dedupe === undefined ? {} : { dedupe }), ...overrides });
}

/** A job as `queue.enqueue(…, { dedupe: { debounce } })` builds it: due `delayMs` after its enqueue. */
function debounced(key: string, delayMs: number, maxDelayMs: number | undefined, overrides: Partial<NewJob> = {}): NewJob {
  const dedupe: JobDedupe = maxDelayMs === undefined ? { mode: 'debounce', delayMs } : { mode: 'debounce', delayMs, maxDelayMs };
  return keyed(key, dedupe, { runAt: Date.now() + delayMs, ...overrides });
}

/** Unfinished jobs with `key` (findByKey when the backend has it, else the list). */
async function unfinishedWithKey(backend: JobBackend, key: string): Promise<string[]> {
  const jobs = backend.findByKey === undefined ? (await backend.list({ limit: 1_000 })).jobs.filter((job) => job.key === key) : await backend.findByKey(key);
  return jobs.filter((job) => !['succeeded', 'dead', 'cancelled'].includes(job.state)).map((job) => job.id);
}

/** The dedupe modes on `key`: what each stores, answers and replaces, and that concurrent enqueues of one key store one job. */
export function describeDedupe(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);
  const peers: JobBackend[] = [];
  afterEach(async () => {
    for (const peer of peers.splice(0)) await peer.close();
  });
  async function peerOf(backend: JobBackend): Promise<JobBackend> {
    if (options.createPeer === undefined) return backend;
    const peer = await options.createPeer(backend);
    peers.push(peer);
    return peer;
  }

  describe('dedupe modes', () => {
    it('refuses a key holding NUL (U+0000) as the caller\'s fault, 422 ERRAND_JOB_KEY_INVALID, and stores nothing', async () => {
      const backend = await makeBackend();
      const queue = createQueue({ backend });
      const task = defineTask('nul-key', { handler: () => undefined });
      const refused = await queue.enqueue(task, {}, { key: 'a\u0000b' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ code: 'ERRAND_JOB_KEY_INVALID', status: 422 });
      expect((await backend.list({ limit: 10 })).jobs).toEqual([]);
      expect(await queue.enqueue(task, {}, { key: 'a-b' })).toEqual(expect.any(String));
    });

    it("'active' (the default) answers the holder's id while it is waiting, running or retrying", async () => {
      const backend = await makeBackend();
      const first = keyed('active', undefined);
      await backend.enqueue([first]);
      const lease = await claimOne(backend);
      expect(await backend.enqueue([keyed('active', undefined)])).toEqual([{ id: first.id, created: false }]);
      await backend.fail(lease, { error: testProblem(), retryAt: Date.now() + 60_000 });
      expect((await backend.get(first.id))?.state).toBe('retrying');
      expect(await backend.enqueue([keyed('active', undefined)])).toEqual([{ id: first.id, created: false }]);
      expect(await unfinishedWithKey(backend, 'active')).toEqual([first.id]);
    });

    it("'queued' drops an enqueue while a job with the key waits (queued or delayed), and stores a new one once it has started", async () => {
      const backend = await makeBackend();
      const delayed = keyed('q-delayed', queued, { runAt: Date.now() + 60_000 });
      await backend.enqueue([delayed]);
      expect(await backend.enqueue([keyed('q-delayed', queued)])).toEqual([{ id: delayed.id, created: false }]);

      const first = keyed('q', queued, { payload: { n: 1 } });
      await backend.enqueue([first]);
      expect(await backend.enqueue([keyed('q', queued, { payload: { n: 2 } })])).toEqual([{ id: first.id, created: false }]);
      expect((await backend.get(first.id))?.payload).toEqual({ n: 1 });
      const lease = await claimOne(backend, { tasks: ['conformance'] });
      expect(lease.jobId).toBe(first.id);
      // The first has started: the next enqueue is stored, and the one after it dedupes to that one.
      const second = keyed('q', queued, { payload: { n: 3 } });
      expect(await backend.enqueue([second])).toEqual([{ id: second.id, created: true }]);
      expect(await backend.enqueue([keyed('q', queued)])).toEqual([{ id: second.id, created: false }]);
      // A started job that goes back to wait for a retry does not hold the key again.
      await backend.fail(lease, { error: testProblem(), retryAt: Date.now() + 60_000 });
      expect(await backend.enqueue([keyed('q', queued)])).toEqual([{ id: second.id, created: false }]);
      expect((await unfinishedWithKey(backend, 'q')).sort()).toEqual([first.id, second.id].sort());
    });

    it("'replace' gives the waiting job the last payload, keeping its id, time and priority; a running holder gets a successor", async () => {
      const backend = await makeBackend();
      const runAt = Date.now() + 60_000;
      const first = keyed('r', replace, { payload: { v: 1 }, runAt, priority: 4 });
      await backend.enqueue([first]);
      const later = keyed('r', replace, { payload: { v: 2 }, priority: 9 });
      expect(await backend.enqueue([later])).toEqual([{ id: first.id, created: false, replaced: true }]);
      expect(await backend.get(later.id)).toBeUndefined();
      expect(await backend.get(first.id)).toMatchObject({ payload: { v: 2 }, runAt, priority: 4, state: 'delayed', attempts: 0 });

      const ready = keyed('r2', replace, { payload: { v: 1 } });
      await backend.enqueue([ready]);
      await backend.enqueue([keyed('r2', replace, { payload: { v: 2 } })]);
      const lease = await claimOne(backend);
      expect(lease).toMatchObject({ jobId: ready.id, payload: { v: 2 } });
      const successor = keyed('r2', replace, { payload: { v: 3 } });
      expect(await backend.enqueue([successor])).toEqual([{ id: successor.id, created: true }]);
      expect(await backend.enqueue([keyed('r2', replace, { payload: { v: 4 } })])).toEqual([{ id: successor.id, created: false, replaced: true }]);
      expect((await backend.get(successor.id))?.payload).toEqual({ v: 4 });
    });

    it('applies the modes in order within one batch', async () => {
      const backend = await makeBackend();
      const [a, b, c] = [keyed('batch', replace, { payload: { v: 1 } }), keyed('batch', replace, { payload: { v: 2 } }), keyed('batch', queued, { payload: { v: 3 } })];
      const plain = newJob();
      expect(await backend.enqueue([a, plain, b, c])).toEqual([
        { id: a.id, created: true },
        { id: plain.id, created: true },
        { id: a.id, created: false, replaced: true },
        { id: a.id, created: false },
      ]);
      expect((await backend.get(a.id))?.payload).toEqual({ v: 2 });
      expect(await unfinishedWithKey(backend, 'batch')).toEqual([a.id]);
    });

    it('debounce moves the waiting job to delayMs after the last enqueue, with the last payload', async () => {
      const backend = await makeBackend();
      const first = debounced('d', 60_000, undefined, { payload: { v: 1 } });
      await backend.enqueue([first]);
      const before = Date.now();
      expect(await backend.enqueue([debounced('d', 60_000, undefined, { payload: { v: 2 } })])).toEqual([{ id: first.id, created: false, replaced: true }]);
      const record = await backend.get(first.id);
      expect(record).toMatchObject({ payload: { v: 2 }, state: 'delayed', createdAt: first.createdAt });
      expect(record?.runAt).toBeGreaterThanOrEqual(Math.max(first.runAt, before + 60_000));
      expect(record?.runAt).toBeLessThanOrEqual(Date.now() + 60_000);
    });

    it('debounce moves a waiting job of a fair-queue group too: a fair claim does not take it at its first time', async () => {
      const backend = await makeBackend();
      const first = debounced('grouped', 2_000, undefined, { payload: { v: 1 }, group: 'g' });
      await backend.enqueue([first]);
      const before = Date.now();
      expect(await backend.enqueue([debounced('grouped', 60_000, undefined, { payload: { v: 2 }, group: 'g' })])).toEqual([{ id: first.id, created: false, replaced: true }]);
      // The second enqueue came after the first's due time (a very loaded machine): it kept its time, nothing to check.
      if (before >= first.runAt) return;
      expect((await backend.get(first.id))?.runAt).toBeGreaterThanOrEqual(before + 60_000);
      await sleep(Math.max(0, first.runAt - Date.now()) + 100);
      expect(await claim(backend, { limit: 10, groups: { conformance: {} } })).toEqual([]);
      expect(await backend.get(first.id)).toMatchObject({ state: 'delayed', payload: { v: 2 } });
    });

    it('debounce never waits past maxDelayMs after the first enqueue of the burst', async () => {
      const backend = await makeBackend();
      // A burst that began 80 s ago and is due in 5 s: with maxDelayMs 90 s it may wait until 10 s from now, not 60.
      const createdAt = Date.now() - 80_000;
      const first = debounced('cap', 60_000, 90_000, { createdAt, runAt: Date.now() + 5_000 });
      await backend.enqueue([first]);
      await backend.enqueue([debounced('cap', 60_000, 90_000, { payload: { v: 'last' } })]);
      expect(await backend.get(first.id)).toMatchObject({ runAt: createdAt + 90_000, payload: { v: 'last' }, state: 'delayed' });
    });

    for (const group of [undefined, 'g']) {
      const kind = group === undefined ? 'a debounced job' : 'a debounced job of a fair-queue group';
      it.skipIf(group !== undefined && options.fairQueues === false)(`${kind} keeps the time it was moved to once it falls due: while it waits, and while it runs`, async () => {
        const backend = await makeBackend();
        const grouping = group === undefined ? {} : { group };
        const claimOptions = group === undefined ? {} : { groups: { conformance: {} } };
        // Ready a minute before the debounced job: every backend hands it out first.
        const ahead = newJob({ runAt: Date.now() - 60_000, createdAt: Date.now() - 60_000, ...grouping });
        await backend.enqueue([ahead]);
        const first = debounced('fell-due', 500, undefined, { payload: { v: 1 }, ...grouping });
        await backend.enqueue([first]);
        expect(await backend.enqueue([debounced('fell-due', 800, undefined, { payload: { v: 2 }, ...grouping })])).toEqual([{ id: first.id, created: false, replaced: true }]);
        // Moved to 800 ms after the second enqueue (or, on a machine so loaded that the first fell due
        // before it, kept at its first time): whichever, the job says that time from now on.
        const moved = (await backend.get(first.id))?.runAt;
        expect(moved).toBeGreaterThanOrEqual(first.runAt);
        // The dashboard's list says the same time as get.
        const listed = async (): Promise<number | undefined> => (await backend.list({ limit: 10 })).jobs.find((job) => job.id === first.id)?.runAt;
        expect(await listed()).toBe(moved);
        await sleep(Math.max(0, (moved ?? 0) - Date.now()) + 50);
        // A claim of another job: Redis moves a due job from its delayed set to its wait list here.
        expect(await claimOne(backend, claimOptions)).toMatchObject({ jobId: ahead.id });
        expect(await backend.get(first.id)).toMatchObject({ state: 'queued', runAt: moved, payload: { v: 2 } });
        expect(await listed()).toBe(moved);
        expect(await claimOne(backend, claimOptions)).toMatchObject({ jobId: first.id, payload: { v: 2 } });
        expect(await backend.get(first.id)).toMatchObject({ state: 'running', runAt: moved });
        expect(await listed()).toBe(moved);
      });
    }

    it('debounce runs a burst once, with its last payload, and the next burst after it started is a new job', async () => {
      const backend = await makeBackend();
      const burst = [1, 2, 3].map((v) => debounced('run', 200, 5_000, { payload: { v } }));
      const ids = [];
      for (const job of burst) ids.push(...(await backend.enqueue([job])).map((result) => result.id));
      expect(new Set(ids)).toEqual(new Set([burst[0]?.id]));
      const lease = await eventually(() => claimOne(backend));
      expect(lease).toMatchObject({ jobId: burst[0]?.id, payload: { v: 3 } });
      const next = debounced('run', 200, 5_000, { payload: { v: 4 } });
      expect(await backend.enqueue([next])).toEqual([{ id: next.id, created: true }]);
      await backend.complete(lease, null);
      expect(await unfinishedWithKey(backend, 'run')).toEqual([next.id]);
    });

    it('a due debounced job that no worker took yet keeps its time and takes the last payload', async () => {
      const backend = await makeBackend();
      const first = debounced('due', 0, undefined, { runAt: Date.now() - 1_000, payload: { v: 1 } });
      await backend.enqueue([first]);
      expect(await backend.enqueue([debounced('due', 60_000, undefined, { payload: { v: 2 } })])).toEqual([{ id: first.id, created: false, replaced: true }]);
      expect(await claimOne(backend)).toMatchObject({ jobId: first.id, payload: { v: 2 } });
    });
  });

  describe('what an enqueue says it did (queue.enqueueWithOutcome)', () => {
    // The conformance task's name, so the shared claim helpers take its jobs.
    const task = defineTask<{ v: number }>('conformance', { handler: () => undefined });

    it('stored, dropped (with the holder id), replaced and debounced, and stored again once the holder started', async () => {
      const backend = await makeBackend();
      const queue = createQueue({ backend });
      expect(await queue.enqueueWithOutcome(task, { v: 0 })).toMatchObject({ outcome: 'stored' });
      const active = await queue.enqueueWithOutcome(task, { v: 1 }, { key: 'o-active' });
      expect(active.outcome).toBe('stored');
      expect(await queue.enqueueWithOutcome(task, { v: 2 }, { key: 'o-active' })).toEqual({ id: active.id, outcome: 'dropped' });
      const waiting = await queue.enqueueWithOutcome(task, { v: 1 }, { key: 'o-queued', dedupe: 'queued', delay: 60_000 });
      expect(await queue.enqueueWithOutcome(task, { v: 2 }, { key: 'o-queued', dedupe: 'queued' })).toEqual({ id: waiting.id, outcome: 'dropped' });
      const replaced = await queue.enqueueWithOutcome(task, { v: 1 }, { key: 'o-replace', dedupe: 'replace', delay: 60_000 });
      expect(await queue.enqueueWithOutcome(task, { v: 2 }, { key: 'o-replace', dedupe: 'replace' })).toEqual({ id: replaced.id, outcome: 'replaced' });
      expect((await backend.get(replaced.id))?.payload).toEqual({ v: 2 });
      const debounce = { debounce: { delayMs: 60_000 } };
      const first = await queue.enqueueWithOutcome(task, { v: 1 }, { key: 'o-debounce', dedupe: debounce });
      expect(first.outcome).toBe('stored');
      expect(await queue.enqueueWithOutcome(task, { v: 2 }, { key: 'o-debounce', dedupe: debounce })).toEqual({ id: first.id, outcome: 'debounced' });
      // Once the holder has started, the waiting-only modes store a new job.
      const due = await queue.enqueueWithOutcome(task, { v: 1 }, { key: 'o-started', dedupe: 'replace' });
      await eventually(async () => {
        const claimed = await claim(backend, { limit: 10 });
        const mine = claimed.find((job) => job.jobId === due.id);
        if (mine === undefined) throw new Error('not claimed yet');
        return mine;
      });
      const after = await queue.enqueueWithOutcome(task, { v: 2 }, { key: 'o-started', dedupe: 'replace' });
      expect(after.outcome).toBe('stored');
      expect(after.id).not.toBe(due.id);
    });

    it('enqueueManyWithOutcome answers one outcome per item, in order, its items applied one after the other', async () => {
      const backend = await makeBackend();
      const queue = createQueue({ backend });
      const debounce = { debounce: { delayMs: 60_000 } };
      const holder = await queue.enqueue(task, { v: 0 }, { key: 'm-active' });
      const answers = await queue.enqueueManyWithOutcome([
        { task, payload: { v: 1 } },
        { task, payload: { v: 2 }, options: { key: 'm-active' } },
        { task, payload: { v: 3 }, options: { key: 'm-queued', dedupe: 'queued', delay: 60_000 } },
        { task, payload: { v: 4 }, options: { key: 'm-queued', dedupe: 'queued' } },
        { task, payload: { v: 5 }, options: { key: 'm-replace', dedupe: 'replace', delay: 60_000 } },
        { task, payload: { v: 6 }, options: { key: 'm-replace', dedupe: 'replace' } },
        { task, payload: { v: 7 }, options: { key: 'm-debounce', dedupe: debounce } },
        { task, payload: { v: 8 }, options: { key: 'm-debounce', dedupe: debounce } },
      ]);
      expect(answers.map(({ outcome }) => outcome)).toEqual(['stored', 'dropped', 'stored', 'dropped', 'stored', 'replaced', 'stored', 'debounced']);
      const ids = answers.map(({ id }) => String(id));
      // A later item of a key answers the earlier holder's id; every stored item has its own.
      expect([ids[1], ids[3], ids[5], ids[7]]).toEqual([holder, ids[2], ids[4], ids[6]]);
      expect(new Set([holder, ids[0], ids[2], ids[4], ids[6]]).size).toBe(5);
      expect((await backend.get(ids[4] ?? ''))?.payload).toEqual({ v: 6 });
      expect((await backend.get(ids[6] ?? ''))?.payload).toEqual({ v: 8 });
      expect((await backend.get(ids[2] ?? ''))?.payload).toEqual({ v: 3 });
      expect(await queue.enqueueManyWithOutcome([])).toEqual([]);
    });

    it("a task's dedupe default applies to a keyed enqueue without a mode of its own; an enqueue's own mode wins", async () => {
      const backend = await makeBackend();
      const queue = createQueue({ backend });
      const replacing = defineTask<{ v: number }>('conformance', { dedupe: 'replace', handler: () => undefined });
      const first = await queue.enqueueWithOutcome(replacing, { v: 1 }, { key: 'default', delay: 60_000 });
      expect(await queue.enqueueWithOutcome(replacing, { v: 2 }, { key: 'default' })).toEqual({ id: first.id, outcome: 'replaced' });
      expect((await backend.get(first.id))?.payload).toEqual({ v: 2 });
      expect(await queue.enqueueWithOutcome(replacing, { v: 3 }, { key: 'default', dedupe: 'active' })).toEqual({ id: first.id, outcome: 'dropped' });
      expect((await backend.get(first.id))?.payload).toEqual({ v: 2 });
      // No key: no dedupe, whatever the task's default.
      expect((await queue.enqueueWithOutcome(replacing, { v: 4 })).outcome).toBe('stored');
    });
  });

  describe('concurrent enqueues of one key', () => {
    const modes: [string, (key: string, n: number) => NewJob][] = [
      ['active', (key, n) => keyed(key, undefined, { payload: { n } })],
      ['queued', (key, n) => keyed(key, queued, { payload: { n } })],
      ['replace', (key, n) => keyed(key, replace, { payload: { n } })],
      ['debounce', (key, n) => debounced(key, 60_000, undefined, { payload: { n } })],
    ];
    for (const [mode, make] of modes) {
      it(`store exactly one job per key in '${mode}' mode, from two connections at once, beside a running holder`, async () => {
        const backend = await makeBackend();
        const peer = await peerOf(backend);
        const keys = Array.from({ length: 12 }, (_, n) => `race-${n}`);
        // A started job per key: the modes other than 'active' store a new job beside it, which must happen once.
        const running = keys.map((key) => ({ ...make(key, -1), runAt: Date.now() }));
        await backend.enqueue(running);
        expect(await claim(backend, { limit: keys.length })).toHaveLength(keys.length);
        // Open every pooled connection first, so the enqueues below start together.
        await Promise.all(Array.from({ length: 8 }, (_, n) => (n % 2 === 0 ? backend : peer).get('warm-up')));
        const calls = keys.flatMap((key) => Array.from({ length: 6 }, (_, n) => (n % 2 === 0 ? backend : peer).enqueue([make(key, n)])));
        const results = (await Promise.all(calls)).flat();
        for (const [index, key] of keys.entries()) {
          const holder = running[index]?.id ?? '';
          const waiting = (await unfinishedWithKey(backend, key)).filter((id) => id !== holder);
          const answers = results.slice(index * 6, index * 6 + 6);
          if (mode === 'active') {
            expect(waiting, key).toEqual([]);
            expect(new Set(answers.map((result) => result.id)), key).toEqual(new Set([holder]));
            continue;
          }
          expect(waiting, key).toHaveLength(1);
          expect(new Set(answers.map((result) => result.id)), key).toEqual(new Set(waiting));
          expect(answers.filter((result) => result.created), key).toHaveLength(1);
        }
      });
    }
  });
}
