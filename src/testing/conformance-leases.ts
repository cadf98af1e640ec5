import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import { backendsFor, claim, claimOne, eventually, newJob, sleep, testProblem, type ConformanceOptions } from './conformance-helpers.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

/** Lease promises: fencing, heartbeat, lease expiry, and how an attempt ends. */
export function describeLeases(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe('leases and fencing', () => {
    it('takes back a job whose lease lapsed: the attempt counts, ERRAND_LEASE_EXPIRED is recorded, and it runs again', async () => {
      const backend = await makeBackend();
      const job = newJob({ maxAttempts: 3 });
      await backend.enqueue([job]);
      // A lease long enough that the claim right after it sees it held, even on a loaded machine.
      const first = await claimOne(backend, { leaseMs: 1_000 });
      expect(await claim(backend)).toEqual([]);
      await sleep(1_200);
      const second = await claimOne(backend, { workerId: 'second-worker' });
      expect(second).toMatchObject({ jobId: job.id, attempt: 2 });
      expect(second.token).not.toBe(first.token);
      const record = await backend.get(job.id);
      expect(record).toMatchObject({ state: 'running', attempts: 2 });
      expect(record?.error?.code).toBe('ERRAND_LEASE_EXPIRED');
      expect(record?.history.map((event) => event.type)).toContain('lease-expired');
    });

    it('rejects the stale worker with ERRAND_LEASE_LOST once the job was claimed again, and keeps the new outcome', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      const stale = await claimOne(backend, { leaseMs: 150 });
      await sleep(300);
      const fresh = await claimOne(backend);
      const lateCalls = [() => backend.complete(stale, 'stale'), () => backend.fail(stale, { error: testProblem(), retryAt: null }), () => backend.progress(stale, 50), () => backend.cancelled(stale), () => backend.release(stale)];
      for (const late of lateCalls) {
        expect(isErrandError(await rejection(late()), 'ERRAND_LEASE_LOST')).toBe(true);
      }
      expect(await backend.heartbeat([stale, fresh], 30_000)).toEqual(['lost', 'held']);
      await backend.complete(fresh, 'fresh');
      expect(await backend.get(job.id)).toMatchObject({ state: 'succeeded', result: 'fresh', attempts: 2 });
      expect(isErrandError(await rejection(backend.complete(fresh, 'twice')), 'ERRAND_LEASE_LOST')).toBe(true);
    });

    it('answers a batched completion per job when the backend has completeMany', async () => {
      const backend = await makeBackend();
      if (backend.completeMany === undefined) return;
      await backend.enqueue([newJob(), newJob()]);
      const [a, b] = await claim(backend, { limit: 2 });
      await backend.complete(b, 'alone');
      expect(await backend.completeMany([{ lease: a, result: { ok: 1 } }, { lease: b, result: 'again' }])).toEqual([true, false]);
      expect(await backend.get(a.jobId)).toMatchObject({ state: 'succeeded', result: { ok: 1 } });
      expect(await backend.get(b.jobId)).toMatchObject({ result: 'alone' });
    });

    it('makes a job dead when its lease lapses on the last attempt', async () => {
      const backend = await makeBackend();
      const job = newJob({ maxAttempts: 1 });
      await backend.enqueue([job]);
      await claimOne(backend, { leaseMs: 150 });
      await sleep(300);
      expect(await claim(backend)).toEqual([]);
      const record = await backend.get(job.id);
      expect(record).toMatchObject({ state: 'dead', attempts: 1 });
      expect(record?.error?.code).toBe('ERRAND_LEASE_EXPIRED');
    });

    it('extends a lease with each heartbeat so nobody else claims the job', async () => {
      const backend = await makeBackend();
      await backend.enqueue([newJob()]);
      // Four beats 800 ms apart outlast the 2.4 s lease, with 1.6 s of slack per beat for a loaded machine.
      const lease = await claimOne(backend, { leaseMs: 2_400 });
      for (let beat = 0; beat < 4; beat += 1) {
        await sleep(800);
        expect(await backend.heartbeat([lease], 2_400)).toEqual(['held']);
      }
      expect(await claim(backend)).toEqual([]);
      await backend.complete(lease, null);
      expect(await backend.heartbeat([lease], 2_400)).toEqual(['lost']);
    });

    it('reports a running job cancelled at the next heartbeat, and cancelled() ends it', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      const lease = await claimOne(backend);
      expect(await backend.cancel(job.id)).toBe(true);
      expect((await backend.get(job.id))?.state).toBe('running');
      expect(await backend.heartbeat([lease], 30_000)).toEqual(['cancelled']);
      await backend.cancelled(lease);
      expect(await backend.get(job.id)).toMatchObject({ state: 'cancelled' });
      expect(await claim(backend)).toEqual([]);
    });

    it('ends a cancelled running job as cancelled, not re-run, when its lease lapses', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      await claimOne(backend, { leaseMs: 150 });
      expect(await backend.cancel(job.id)).toBe(true);
      await sleep(300);
      expect(await claim(backend)).toEqual([]);
      expect((await backend.get(job.id))?.state).toBe('cancelled');
    });

    it('releases a job without counting the attempt', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      await backend.release(await claimOne(backend));
      expect(await backend.get(job.id)).toMatchObject({ state: 'queued', attempts: 0 });
      expect(await claimOne(backend)).toMatchObject({ jobId: job.id, attempt: 1 });
    });

    it('ends a released job whose cancellation was requested as cancelled, not back in the queue', async () => {
      const backend = await makeBackend();
      const [plain, grouped] = [newJob(), newJob({ group: 'a' })];
      await backend.enqueue([plain, grouped]);
      // Released now (a worker shutting down) and released until later (its rate limit full).
      for (const [job, runAt] of [[plain, undefined], [grouped, Date.now() + 60_000]] as const) {
        const lease = await claimOne(backend, { tasks: ['conformance'], ...(job.group === undefined ? {} : { groups: { conformance: {} } }) });
        expect(lease.jobId).toBe(job.id);
        expect(await backend.cancel(job.id)).toBe(true);
        await backend.release(lease, runAt);
        expect(await backend.get(job.id)).toMatchObject({ state: 'cancelled' });
      }
      expect(await claim(backend, { groups: { conformance: {} } })).toEqual([]);
    });
  });

  describe('how an attempt ends', () => {
    it('records progress for the lease holder', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      const lease = await claimOne(backend);
      await backend.progress(lease, 40);
      expect((await backend.get(job.id))?.progress).toBe(40);
      await backend.progress(lease, { step: 'resize', done: 3, of: 4 });
      expect((await backend.get(job.id))?.progress).toEqual({ step: 'resize', done: 3, of: 4 });
    });

    it('completes a job with its result', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      await backend.complete(await claimOne(backend), { url: '/files/1', size: 3 });
      const record = await backend.get(job.id);
      expect(record).toMatchObject({ state: 'succeeded', result: { url: '/files/1', size: 3 }, attempts: 1 });
      expect(record?.finishedAt).toBeGreaterThan(0);
      expect(await claim(backend)).toEqual([]);
    });

    it('moves a failed attempt to retrying, then queued once retryAt passes, then runs attempt 2', async () => {
      const backend = await makeBackend();
      const job = newJob({ maxAttempts: 3 });
      await backend.enqueue([job]);
      await backend.fail(await claimOne(backend), { error: testProblem('first try'), retryAt: Date.now() + 1_500 });
      const retrying = await backend.get(job.id);
      expect(retrying).toMatchObject({ state: 'retrying', attempts: 1 });
      expect(retrying?.error).toMatchObject({ detail: 'first try', status: 500 });
      expect(await claim(backend)).toEqual([]);
      await eventually(async () => expect((await backend.get(job.id))?.state).toBe('queued'));
      expect(await claimOne(backend)).toMatchObject({ jobId: job.id, attempt: 2 });
    });

    for (const how of ['retried', 'released'] as const) {
      it(`a ${how} job says the time it was due to run again, once it runs`, async () => {
        const backend = await makeBackend();
        const job = newJob({ maxAttempts: 3 });
        await backend.enqueue([job]);
        const lease = await claimOne(backend);
        const dueAt = Date.now() + 300;
        if (how === 'retried') await backend.fail(lease, { error: testProblem('first try'), retryAt: dueAt });
        else await backend.release(lease, dueAt);
        expect((await backend.list({ limit: 10 })).jobs.find((listed) => listed.id === job.id)?.runAt).toBe(dueAt);
        expect(await eventually(() => claimOne(backend))).toMatchObject({ jobId: job.id });
        expect(await backend.get(job.id)).toMatchObject({ state: 'running', runAt: dueAt });
        expect((await backend.list({ limit: 10 })).jobs.find((listed) => listed.id === job.id)?.runAt).toBe(dueAt);
      });
    }

    it('a dead job retried by hand is due at the retry, not at its first time', async () => {
      const backend = await makeBackend();
      const job = newJob({ runAt: Date.now() - 60_000, createdAt: Date.now() - 60_000 });
      await backend.enqueue([job]);
      await backend.fail(await claimOne(backend), { error: testProblem('fatal'), retryAt: null });
      const before = Date.now();
      expect(await backend.retry(job.id)).toBe(true);
      const record = await backend.get(job.id);
      expect(record).toMatchObject({ state: 'queued', attempts: 0 });
      expect(record?.runAt).toBeGreaterThanOrEqual(before);
      expect(record?.runAt).toBeLessThanOrEqual(Date.now());
    });

    it('makes a job dead when fail() gives no retryAt', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      await backend.fail(await claimOne(backend), { error: { ...testProblem('fatal'), code: 'ERRAND_UNRECOVERABLE' }, retryAt: null });
      const record = await backend.get(job.id);
      expect(record).toMatchObject({ state: 'dead', attempts: 1, error: { detail: 'fatal', code: 'ERRAND_UNRECOVERABLE' } });
      expect(record?.finishedAt).toBeGreaterThan(0);
    });

    it('retries a dead job by hand with a fresh set of attempts, and only dead or cancelled jobs', async () => {
      const backend = await makeBackend();
      const job = newJob({ maxAttempts: 1 });
      await backend.enqueue([job]);
      await backend.fail(await claimOne(backend), { error: testProblem(), retryAt: null });
      expect(await backend.retry(job.id)).toBe(true);
      expect(await backend.get(job.id)).toMatchObject({ state: 'queued', attempts: 0 });
      expect(await backend.retry(job.id)).toBe(false);
      expect(await backend.retry('no-such-job')).toBe(false);
      const lease = await claimOne(backend);
      expect(lease).toMatchObject({ jobId: job.id, attempt: 1 });
      await backend.complete(lease, 'second life');
      expect(await backend.get(job.id)).toMatchObject({ state: 'succeeded', result: 'second life' });
    });

    it('cancels queued, delayed and retrying jobs at once; not finished or unknown ones; a cancelled job can be retried', async () => {
      const backend = await makeBackend();
      const [queued, delayed, failing] = [newJob({ priority: 1 }), newJob({ runAt: Date.now() + 60_000 }), newJob({ priority: 0 })];
      await backend.enqueue([queued, delayed, failing]);
      await backend.fail(await claimOne(backend), { error: testProblem(), retryAt: Date.now() + 60_000 });
      for (const job of [queued, delayed, failing]) {
        expect(await backend.cancel(job.id)).toBe(true);
        expect((await backend.get(job.id))?.state).toBe('cancelled');
      }
      expect(await backend.cancel(queued.id)).toBe(false);
      expect(await backend.cancel('no-such-job')).toBe(false);
      expect(await claim(backend)).toEqual([]);
      expect(await backend.retry(queued.id)).toBe(true);
      expect((await claimOne(backend)).jobId).toBe(queued.id);
    });

    it('hands a job to a claim that is waiting for one', async () => {
      const backend = await makeBackend();
      const job = newJob();
      // Bounds are half the wait: the claim ended on the job, not because its wait ran out.
      const waiting = backend.claim({ workerId: 'waiter', tasks: ['conformance'], limit: 1, leaseMs: 30_000, waitMs: 30_000 });
      await sleep(100);
      const startedAt = Date.now();
      await backend.enqueue([job]);
      const claimed = await waiting;
      expect(claimed.map((item) => item.jobId)).toEqual([job.id]);
      expect(Date.now() - startedAt).toBeLessThan(15_000);
    });

    it('ends a waiting claim early, with no jobs, when its signal aborts', async () => {
      const backend = await makeBackend();
      const controller = new AbortController();
      const startedAt = Date.now();
      const waiting = backend.claim({ workerId: 'waiter', tasks: ['conformance'], limit: 1, leaseMs: 30_000, waitMs: 30_000, signal: controller.signal });
      await sleep(50);
      controller.abort();
      expect(await waiting).toEqual([]);
      expect(Date.now() - startedAt).toBeLessThan(15_000);
    });
  });
}
