import { describe, expect, it } from 'vitest';
import type { ClaimedJob, ClaimOptions, JobBackend } from '../jobs/backend.js';
import { backendsFor, claim, claimOne, eventually, newJob, sleep, testProblem, type ConformanceOptions } from './conformance-helpers.js';

const fair: Pick<ClaimOptions, 'groups'> = { groups: { conformance: {} } };

function groupOf(job: ClaimedJob): string {
  return (job.payload as { group: string }).group;
}

function grouped(group: string, n: number, overrides: Parameters<typeof newJob>[0] = {}): ReturnType<typeof newJob> {
  return newJob({ payload: { group, n }, group, ...overrides });
}

/** One one-job fair claim that must take a job (retried until it does: a job due again is promoted on the backend's clock). */
async function claimOneJob(backend: JobBackend): Promise<ClaimedJob[]> {
  const jobs = await claim(backend, { limit: 1, ...fair });
  if (jobs.length !== 1) throw new Error(`expected one job, claimed ${jobs.length}`);
  return jobs;
}

/**
 * Groups a, b with two jobs each; the first one-job claim serves one of them, `sendBack` returns
 * that job to the queue, then four one-job claims must take the groups in turns: the other group
 * first (the served one was just served), as if the job had never left its group.
 */
async function expectTurnKept(backend: JobBackend, sendBack: (job: ClaimedJob) => Promise<void>, maxAttempts = 3, leaseMs = 30_000): Promise<void> {
  await backend.enqueue([grouped('a', 0, { maxAttempts }), grouped('a', 1, { maxAttempts }), grouped('b', 0, { maxAttempts }), grouped('b', 1, { maxAttempts })]);
  const [first] = await claim(backend, { limit: 1, leaseMs, ...fair });
  if (first === undefined) throw new Error('nothing was claimed');
  const served = groupOf(first);
  const other = served === 'a' ? 'b' : 'a';
  await sendBack(first);
  const order: string[] = [];
  for (let n = 0; n < 4; n += 1) order.push(...(await eventually(() => claimOneJob(backend))).map(groupOf));
  expect(order).toEqual([other, served, other, served]);
}

/** Fair queues: a grouped job that returns to the queue (released, retried by hand, cancelled then retried) keeps its group and waits for its turn. */
export function describeFairReturns(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe.skipIf(options.fairQueues === false)('fair queues: jobs returning to their group', () => {
    it('a released job (a worker shutting down) waits for its group\'s turn', async () => {
      const backend = await makeBackend();
      await expectTurnKept(backend, (job) => backend.release(job));
    });

    it('a job released until a later time (waiting for a rate limit) waits for its group\'s turn once due', async () => {
      const backend = await makeBackend();
      await expectTurnKept(backend, async (job) => {
        const runAt = Date.now() + 200;
        await backend.release(job, runAt);
        await sleep(Math.max(0, runAt - Date.now()) + 50);
      });
    });

    it('a job whose lease lapsed (its worker died) waits for its group\'s turn', async () => {
      const backend = await makeBackend();
      // Claimed with a 150 ms lease, never renewed nor settled: taken back by a later claim.
      await expectTurnKept(backend, () => sleep(400), 3, 150);
    });

    it('a job whose lease lapsed stops counting against its group\'s cap, waits behind its group and still runs', async () => {
      const backend = await makeBackend();
      const capped: Pick<ClaimOptions, 'groups'> = { groups: { conformance: { concurrency: 1 } } };
      const jobs = [grouped('a', 0), grouped('a', 1), grouped('a', 2)];
      await backend.enqueue(jobs);
      const [lapsing, ...others] = await claim(backend, { limit: 10, leaseMs: 150, ...capped });
      expect([lapsing?.jobId, others]).toEqual([jobs[0]?.id, []]);
      await sleep(400);
      // The lapsed attempt no longer holds the group's one place, and the group's cap still holds.
      const ran: string[] = [];
      for (;;) {
        const taken = await eventually(() => claimOne(backend, capped));
        expect(await claim(backend, { limit: 10, ...capped })).toEqual([]);
        ran.push(taken.jobId);
        await backend.complete(taken, null);
        if (ran.length === 3) break;
      }
      expect(ran.toSorted()).toEqual(jobs.map((job) => job.id).toSorted());
      expect(await claim(backend, { limit: 10, ...capped })).toEqual([]);
      expect(await backend.get(jobs[0]?.id ?? '')).toMatchObject({ state: 'succeeded', attempts: 2 });
    });

    it('a grouped job whose lease lapsed ends dead on its last attempt, or cancelled when asked, without waiting for its group\'s turn', async () => {
      const capped: Pick<ClaimOptions, 'groups'> = { groups: { conformance: { concurrency: 1 } } };
      for (const { maxAttempts, cancel, state } of [{ maxAttempts: 1, cancel: false, state: 'dead' }, { maxAttempts: 3, cancel: true, state: 'cancelled' }]) {
        const backend = await makeBackend();
        const [lapsing, next] = [grouped('a', 0, { maxAttempts }), grouped('a', 1, { maxAttempts })];
        await backend.enqueue([lapsing, next]);
        expect((await claim(backend, { limit: 10, leaseMs: 150, ...capped })).map((job) => job.jobId)).toEqual([lapsing.id]);
        if (cancel) expect(await backend.cancel(lapsing.id)).toBe(true);
        await sleep(400);
        // Settled once taken back, while the next job of its group holds the group's one place.
        expect((await eventually(() => claimOne(backend, capped))).jobId).toBe(next.id);
        expect(await backend.get(lapsing.id)).toMatchObject({ state });
      }
    });

    it('a dead job retried by hand waits for its group\'s turn', async () => {
      const backend = await makeBackend();
      await expectTurnKept(
        backend,
        async (job) => {
          await backend.fail(job, { error: testProblem(), retryAt: null });
          expect(await backend.retry(job.jobId)).toBe(true);
          // Still the same job: its first enqueue time, a fresh set of attempts, its history kept.
          const record = await backend.get(job.jobId);
          expect(record).toMatchObject({ state: 'queued', attempts: 0, createdAt: job.createdAt });
          expect(record?.history.map((event) => event.type)).toEqual(expect.arrayContaining(['enqueued', 'failed', 'retried']));
        },
        1,
      );
    });

    it('a job\'s record says its group, in get and list, and after it was cancelled', async () => {
      const backend = await makeBackend();
      const [job, plain] = [grouped('a', 0), newJob()];
      await backend.enqueue([job, plain]);
      expect((await backend.get(job.id))?.group).toBe('a');
      expect((await backend.get(plain.id))?.group).toBeUndefined();
      expect((await backend.list()).jobs.find((record) => record.id === job.id)?.group).toBe('a');
      expect(await backend.cancel(job.id)).toBe(true);
      expect(await backend.get(job.id)).toMatchObject({ state: 'cancelled', group: 'a' });
      expect((await backend.list({ state: 'cancelled' })).jobs.map((record) => record.group)).toEqual(['a']);
    });

    it('a cancelled job retried by hand keeps its group: its group\'s concurrency still holds', async () => {
      const backend = await makeBackend();
      const capped: Pick<ClaimOptions, 'groups'> = { groups: { conformance: { concurrency: 1 } } };
      const [first, second] = [grouped('a', 0), grouped('a', 1)];
      await backend.enqueue([first, second]);
      expect(await backend.cancel(second.id)).toBe(true);
      expect(await backend.retry(second.id)).toBe(true);
      expect(await backend.get(second.id)).toMatchObject({ state: 'queued', group: 'a' });
      // Had it lost its group, it would be claimed beside the first, as a job stored without one.
      expect((await claim(backend, { limit: 10, ...capped })).map((job) => job.jobId)).toEqual([first.id]);
      expect(await claim(backend, { limit: 10, ...capped })).toEqual([]);
    });
  });
}
