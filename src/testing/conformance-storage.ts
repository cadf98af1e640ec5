import { describe, expect, it } from 'vitest';
import { backendsFor, claim, claimOne, eventually, newJob, testProblem, type ConformanceOptions } from './conformance-helpers.js';

/** Storage promises: enqueue, dedupe, scheduling, claim order, reads, removal and retention. */
export function describeStorage(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe('enqueue and read', () => {
    it('stores a job that get() returns as queued, and undefined for an unknown id', async () => {
      const backend = await makeBackend();
      const job = newJob({ payload: { email: 'a@b.co', tags: ['x'] }, priority: 3, maxAttempts: 4 });
      expect(await backend.enqueue([job])).toEqual([{ id: job.id, created: true }]);
      const record = await backend.get(job.id);
      expect(record).toMatchObject({ id: job.id, task: 'conformance', payload: { email: 'a@b.co', tags: ['x'] }, state: 'queued', priority: 3, attempts: 0, maxAttempts: 4, createdAt: job.createdAt, runAt: job.runAt });
      expect(record?.history.map((event) => event.type)).toContain('enqueued');
      expect(await backend.get('no-such-job')).toBeUndefined();
    });

    it('stores many jobs in one call and answers in order', async () => {
      const backend = await makeBackend();
      const jobs = [newJob(), newJob({ task: 'other' }), newJob()];
      expect(await backend.enqueue(jobs)).toEqual(jobs.map((job) => ({ id: job.id, created: true })));
      expect((await backend.list()).total).toBe(3);
    });

    it('deduplicates by key while the first job is unfinished, within one batch too, and frees the key once it finishes', async () => {
      const backend = await makeBackend();
      const first = newJob({ key: 'welcome:a' });
      await backend.enqueue([first]);
      const again = newJob({ key: 'welcome:a' });
      expect(await backend.enqueue([again])).toEqual([{ id: first.id, created: false }]);
      expect(await backend.get(again.id)).toBeUndefined();
      const [x, y] = [newJob({ key: 'k2' }), newJob({ key: 'k2' })];
      expect(await backend.enqueue([x, y])).toEqual([{ id: x.id, created: true }, { id: x.id, created: false }]);
      const lease = await claimOne(backend, { limit: 1 });
      expect(lease.jobId).toBe(first.id);
      await backend.complete(lease, 'done');
      const later = newJob({ key: 'welcome:a' });
      expect(await backend.enqueue([later])).toEqual([{ id: later.id, created: true }]);
    });
  });

  describe('scheduling and claim order', () => {
    it('keeps a delayed job until its runAt, then hands it out', async () => {
      const backend = await makeBackend();
      // Far enough ahead that the checks right after the enqueue see it delayed, even on a loaded machine.
      const job = newJob({ runAt: Date.now() + 1_500 });
      await backend.enqueue([job]);
      expect((await backend.get(job.id))?.state).toBe('delayed');
      expect(await claim(backend)).toEqual([]);
      await eventually(async () => expect((await backend.get(job.id))?.state).toBe('queued'));
      expect((await claimOne(backend)).jobId).toBe(job.id);
    });

    it('runs a job whose runAt is in the past at once', async () => {
      const backend = await makeBackend();
      const job = newJob({ runAt: Date.now() - 60_000 });
      await backend.enqueue([job]);
      expect((await claimOne(backend)).jobId).toBe(job.id);
    });

    it('claims lower priority numbers first, first in first out within a priority', async () => {
      const backend = await makeBackend();
      const runAt = Date.now();
      const jobs = [5, 0, 5, 1, 0].map((priority) => newJob({ priority, runAt }));
      for (const job of jobs) await backend.enqueue([job]);
      const claimed = await claim(backend, { limit: 10 });
      const [p5a, p0a, p5b, p1, p0b] = jobs.map((job) => job.id);
      expect(claimed.map((job) => job.jobId)).toEqual([p0a, p0b, p1, p5a, p5b]);
    });

    it('claims at most `limit` jobs, and only of the tasks asked for', async () => {
      const backend = await makeBackend();
      await backend.enqueue([newJob(), newJob(), newJob(), newJob({ task: 'other' }), newJob({ task: 'other' })]);
      expect(await claim(backend, { tasks: ['conformance'], limit: 2 })).toHaveLength(2);
      const rest = await claim(backend, { tasks: ['conformance'], limit: 5 });
      expect(rest).toHaveLength(1);
      expect(await claim(backend, { tasks: ['conformance'] })).toEqual([]);
      const others = await claim(backend, { tasks: ['other'] });
      expect(others.map((job) => job.task)).toEqual(['other', 'other']);
    });

    it('starts an attempt with a lease on each claimed job', async () => {
      const backend = await makeBackend();
      const job = newJob({ payload: { n: 7 }, maxAttempts: 2 });
      await backend.enqueue([job]);
      const before = Date.now();
      const claimed = await claimOne(backend, { leaseMs: 5_000 });
      expect(claimed).toMatchObject({ jobId: job.id, task: 'conformance', payload: { n: 7 }, attempt: 1, maxAttempts: 2, createdAt: job.createdAt });
      expect(typeof claimed.token).toBe('string');
      expect(claimed.leaseUntil).toBeGreaterThanOrEqual(before + 4_000);
      expect(await backend.get(job.id)).toMatchObject({ state: 'running', attempts: 1 });
    });
  });

  describe('list, stats, remove, prune', () => {
    it('lists newest first with state and task filters and paging', async () => {
      const backend = await makeBackend();
      const jobs = [newJob(), newJob({ task: 'other' }), newJob(), newJob({ task: 'other' }), newJob()].map((job, index) => ({ ...job, createdAt: job.createdAt + index }));
      for (const job of jobs) await backend.enqueue([job]);
      await backend.cancel(jobs[0].id);
      const all = await backend.list();
      expect(all.total).toBe(5);
      expect(all.jobs.map((job) => job.id)).toEqual(jobs.map((job) => job.id).reverse());
      const page = await backend.list({ limit: 2, offset: 1 });
      expect(page).toMatchObject({ total: 5 });
      expect(page.jobs.map((job) => job.id)).toEqual([jobs[3].id, jobs[2].id]);
      const others = await backend.list({ task: 'other' });
      expect(others.jobs.map((job) => job.id)).toEqual([jobs[3].id, jobs[1].id]);
      const cancelled = await backend.list({ state: 'cancelled' });
      expect(cancelled.total).toBe(1);
      expect(cancelled.jobs[0]?.id).toBe(jobs[0].id);
      expect((await backend.list({ state: 'queued', task: 'conformance' })).total).toBe(2);
    });

    it('counts jobs by state and task, and knows when the oldest ready job became ready', async () => {
      const backend = await makeBackend();
      const empty = await backend.stats();
      expect(empty.counts).toMatchObject({ queued: 0, running: 0, succeeded: 0, dead: 0 });
      expect(empty.oldestQueuedAt).toBeUndefined();
      const oldest = newJob({ runAt: Date.now() - 5_000, createdAt: Date.now() - 5_000 });
      await backend.enqueue([oldest, newJob(), newJob({ task: 'other' }), newJob({ runAt: Date.now() + 60_000 })]);
      const running = await claimOne(backend, { tasks: ['other'] });
      expect(running.task).toBe('other');
      const stats = await backend.stats();
      expect(stats.counts).toMatchObject({ queued: 2, delayed: 1, running: 1, retrying: 0, succeeded: 0, dead: 0, cancelled: 0 });
      expect(stats.byTask.conformance).toMatchObject({ queued: 2, delayed: 1 });
      expect(stats.byTask.other).toMatchObject({ running: 1 });
      expect(stats.oldestQueuedAt).toBe(oldest.runAt);
    });

    it('tells the same state in get, list and stats for a job whose due time passed before any claim, and dates the oldest ready job from when it became ready', async () => {
      const backend = await makeBackend();
      const ready = newJob({ priority: 0 });
      // Due soon, created now: ready from its runAt, not from its creation. Far enough ahead that the
      // check right after the enqueue sees it delayed, even on a loaded machine.
      const due = newJob({ priority: 5, runAt: Date.now() + 1_500 });
      await backend.enqueue([ready, due]);
      expect((await backend.get(due.id))?.state).toBe('delayed');
      await eventually(async () => expect((await backend.get(due.id))?.state).toBe('queued'));
      const states = async (): Promise<Record<string, string>> => Object.fromEntries((await backend.list()).jobs.map((job) => [job.id, job.state]));
      expect(await states()).toEqual({ [ready.id]: 'queued', [due.id]: 'queued' });
      expect((await backend.list({ state: 'queued' })).total).toBe(2);
      expect((await backend.list({ state: 'queued' })).jobs.map((job) => job.id).sort()).toEqual([ready.id, due.id].sort());
      expect(await backend.list({ state: 'delayed' })).toEqual({ jobs: [], total: 0 });
      let stats = await backend.stats();
      expect(stats.counts).toMatchObject({ queued: 2, delayed: 0 });
      expect({ queued: 0, delayed: 0, ...stats.byTask.conformance }).toMatchObject({ queued: 2, delayed: 0 });
      expect(stats.oldestQueuedAt).toBe(ready.runAt);
      // The ready job is claimed first (priority 0); the other has been ready since its runAt.
      expect((await claimOne(backend)).jobId).toBe(ready.id);
      stats = await backend.stats();
      expect(stats.counts).toMatchObject({ queued: 1, delayed: 0, running: 1 });
      expect(stats.oldestQueuedAt).toBe(due.runAt);
      expect(await states()).toEqual({ [ready.id]: 'running', [due.id]: 'queued' });
    });

    it('tells the same state in get, list and stats for a retry whose due time passed before any claim', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      const retryAt = Date.now() + 1_500;
      await backend.fail(await claimOne(backend), { error: testProblem(), retryAt });
      expect((await backend.get(job.id))?.state).toBe('retrying');
      expect((await backend.list({ state: 'retrying' })).total).toBe(1);
      await eventually(async () => expect((await backend.get(job.id))?.state).toBe('queued'));
      expect((await backend.list()).jobs.map((record) => record.state)).toEqual(['queued']);
      expect((await backend.list({ state: 'queued' })).jobs.map((record) => record.id)).toEqual([job.id]);
      expect(await backend.list({ state: 'retrying' })).toEqual({ jobs: [], total: 0 });
      const stats = await backend.stats();
      expect(stats.counts).toMatchObject({ queued: 1, retrying: 0, delayed: 0 });
      expect(stats.oldestQueuedAt).toBe(retryAt);
    });

    it('tells the same state in get, list and stats for a job of a fair-queue group waiting for a claim', async () => {
      const backend = await makeBackend();
      const job = newJob({ group: 'tenant-a' });
      const later = newJob({ group: 'tenant-a', runAt: Date.now() + 60_000 });
      await backend.enqueue([job, later]);
      expect((await backend.get(job.id))?.state).toBe('queued');
      expect((await backend.get(later.id))?.state).toBe('delayed');
      const listed = Object.fromEntries((await backend.list()).jobs.map((record) => [record.id, record.state]));
      expect(listed).toEqual({ [job.id]: 'queued', [later.id]: 'delayed' });
      expect((await backend.list({ state: 'queued' })).jobs.map((record) => record.id)).toEqual([job.id]);
      expect((await backend.list({ state: 'delayed' })).jobs.map((record) => record.id)).toEqual([later.id]);
      const stats = await backend.stats();
      expect(stats.counts).toMatchObject({ queued: 1, delayed: 1 });
      expect(stats.oldestQueuedAt).toBe(job.runAt);
    });

    it('removes a job that is not running, and refuses a running or unknown one', async () => {
      const backend = await makeBackend();
      const [waiting, busy] = [newJob({ priority: 1 }), newJob({ priority: 0 })];
      await backend.enqueue([waiting, busy]);
      await claimOne(backend);
      expect(await backend.remove(busy.id)).toBe(false);
      expect(await backend.remove(waiting.id)).toBe(true);
      expect(await backend.get(waiting.id)).toBeUndefined();
      expect(await backend.remove('no-such-job')).toBe(false);
    });

    it('prunes finished jobs past their retention and keeps the rest', async () => {
      // Retentions long enough that no finished job lapses while the test runs on a loaded machine
      // (a 1 s retention lapsed between complete and the first prune at load 40); prune is given
      // the times to judge by.
      const backend = await makeBackend({ retention: { succeededMs: 60_000, deadMs: 600_000, cancelledMs: 60_000 } });
      const [ok, bad, stopped, waiting] = [newJob({ priority: 0 }), newJob({ priority: 1 }), newJob({ priority: 2 }), newJob({ priority: 3 })];
      await backend.enqueue([ok, bad, stopped, waiting]);
      await backend.complete(await claimOne(backend), 42);
      await backend.fail(await claimOne(backend), { error: testProblem(), retryAt: null });
      await backend.cancel(stopped.id);
      expect(await backend.prune()).toBe(0);
      expect(await backend.prune(Date.now() + 120_000)).toBe(2);
      expect(await backend.get(ok.id)).toBeUndefined();
      expect(await backend.get(stopped.id)).toBeUndefined();
      expect((await backend.get(bad.id))?.state).toBe('dead');
      expect((await backend.get(waiting.id))?.state).toBe('queued');
      expect(await backend.prune(Date.now() + 1_200_000)).toBe(1);
      expect((await backend.get(waiting.id))?.state).toBe('queued');
    });
  });
}
