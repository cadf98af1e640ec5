import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import type { JobBackend, LivenessWriter, LivenessWriterModule } from '../jobs/backend.js';
import { backendsFor, claim, claimOne, eventually, newJob, sleep, type ConformanceOptions } from './conformance-helpers.js';

/** The backend's liveness writer, opened in this thread (the worker runs it in a thread of its own). */
async function writerOf(backend: JobBackend): Promise<LivenessWriter | undefined> {
  const spec = backend.liveness?.();
  if (spec === undefined) return undefined;
  const module = (await import(spec.moduleUrl)) as LivenessWriterModule;
  return module.createLivenessWriter(spec.config);
}

/**
 * Worker liveness, for backends that offer it (`liveness()`): a job whose worker's liveness record
 * lapsed is taken back at once, long before its lease ends; a fresh record, or none at all, leaves
 * the lease in charge; fencing rejects the presumed-dead worker's late calls.
 */
export function describeLiveness(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);

  describe('worker liveness', () => {
    it('takes a job back as soon as its worker\'s liveness record lapses, however long its lease, and fences the old holder', async () => {
      const backend = await makeBackend();
      const writer = await writerOf(backend);
      if (writer === undefined) return;
      try {
        const job = newJob({ maxAttempts: 3 });
        await backend.enqueue([job]);
        await writer.beat('mortal-worker', 1_500);
        const stale = await claimOne(backend, { workerId: 'mortal-worker', leaseMs: 60_000, liveness: true });
        expect(await claim(backend, { workerId: 'other' })).toEqual([]);
        const fresh = await eventually(() => claimOne(backend, { workerId: 'other' }), 5_000, 50);
        expect(fresh).toMatchObject({ jobId: job.id, attempt: 2 });
        const record = await backend.get(job.id);
        expect(record?.error?.code).toBe('ERRAND_LEASE_EXPIRED');
        const late = await backend.complete(stale, 'stale').then(() => undefined, (error: unknown) => error);
        expect(isErrandError(late, 'ERRAND_LEASE_LOST')).toBe(true);
        expect(await backend.heartbeat([stale, fresh], 30_000)).toEqual(['lost', 'held']);
      } finally {
        await writer.close();
      }
    });

    it('takes a grouped job back into its group when its worker\'s liveness record lapses: it waits for its group\'s turn', async () => {
      const backend = await makeBackend();
      const writer = await writerOf(backend);
      if (writer === undefined || options.fairQueues === false) return;
      try {
        const fair = { groups: { conformance: {} } };
        await backend.enqueue(['a', 'a', 'b', 'b'].map((group) => newJob({ payload: group, group, maxAttempts: 3 })));
        await writer.beat('mortal-worker', 1_000);
        const stale = await claimOne(backend, { workerId: 'mortal-worker', leaseMs: 60_000, liveness: true, ...fair });
        await sleep(1_500);
        const order: unknown[] = [];
        for (let n = 0; n < 4; n += 1) {
          const job = await eventually(() => claimOne(backend, { workerId: 'other', ...fair }));
          if (job.jobId === stale.jobId) expect(job.attempt).toBe(2);
          order.push(job.payload);
        }
        const other = stale.payload === 'a' ? 'b' : 'a';
        expect(order).toEqual([other, stale.payload, other, stale.payload]);
      } finally {
        await writer.close();
      }
    });

    it('lists the workers whose record is fresh with the time of their last beat and the jobs they hold, and drops one that forgot its record', async () => {
      const backend = await makeBackend();
      const writer = await writerOf(backend);
      if (writer === undefined || backend.workers === undefined) return;
      try {
        const [a, b] = [newJob(), newJob()];
        await backend.enqueue([a, b]);
        const before = Date.now();
        await writer.beat('listed-worker', 10_000);
        const after = Date.now();
        await writer.beat('idle-worker', 10_000);
        await claim(backend, { workerId: 'listed-worker', limit: 2, leaseMs: 60_000, liveness: true });
        const workers = await backend.workers();
        const listed = workers.find((w) => w.id === 'listed-worker');
        expect(listed?.jobs.sort()).toEqual([a.id, b.id].sort());
        expect(listed?.aliveUntil).toBeGreaterThan(Date.now());
        // The time of the beat itself, not the record's expiry (a database clock may differ from ours by a little).
        const beatAt = listed?.lastBeatAt ?? Number.NaN;
        expect(beatAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(beatAt).toBeLessThanOrEqual(after + 1_000);
        expect((listed?.aliveUntil ?? 0) - beatAt).toBeGreaterThanOrEqual(9_000);
        expect((listed?.aliveUntil ?? 0) - beatAt).toBeLessThanOrEqual(10_500);
        expect(workers.find((w) => w.id === 'idle-worker')?.jobs).toEqual([]);
        await writer.forget('idle-worker');
        expect((await backend.workers()).map((w) => w.id)).not.toContain('idle-worker');
      } finally {
        await writer.close();
      }
    });

    it('leaves a job with its worker while the worker keeps beating, and with a worker that keeps no record', async () => {
      const backend = await makeBackend();
      const writer = await writerOf(backend);
      if (writer === undefined) return;
      try {
        await backend.enqueue([newJob(), newJob()]);
        await writer.beat('living-worker', 2_000);
        const [kept] = await claim(backend, { workerId: 'living-worker', limit: 1, leaseMs: 60_000, liveness: true });
        const [unrecorded] = await claim(backend, { workerId: 'quiet-worker', limit: 1, leaseMs: 60_000 });
        for (let beat = 0; beat < 8; beat += 1) {
          await writer.beat('living-worker', 2_000);
          await sleep(200);
          expect(await claim(backend, { workerId: 'other' })).toEqual([]);
        }
        expect(await backend.heartbeat([kept, unrecorded], 60_000)).toEqual(['held', 'held']);
        await writer.forget('living-worker');
      } finally {
        await writer.close();
      }
    });
  });
}
