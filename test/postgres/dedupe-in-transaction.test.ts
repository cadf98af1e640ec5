import { describe, expect, it } from 'vitest';
import { defineTask } from '../../src/jobs/define-task.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { postgresAvailable } from '../../src/testing/postgres.js';
import { postgresQueueForTests } from './postgres-queue-for-tests.js';

/**
 * Dedupe keys inside the app's transaction on Postgres: the key stays locked until the app's COMMIT
 * or ROLLBACK, so another enqueue of the key never answers the id of a job that was rolled back
 * (Oban's unique jobs did: oban#1093), and a payload replaced in the transaction is what runs.
 */
const postgresUp = await postgresAvailable();
const postgres = postgresQueueForTests('dedupe_tx', postgresUp);
const sync = defineTask('sync-account', { handler: (payload: { v: number }) => payload.v });
const replaced = defineTask('sync-replaced', { handler: (payload: { v: number }) => payload.v });

/**
 * Whether `promise` settled within 300 ms. Used only to check that an enqueue is still waiting for the
 * app's transaction: a slow machine can only make that check pass too easily, never fail wrongly;
 * the assertions that follow the ROLLBACK are the ones that pin the behaviour.
 */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  return done;
}

describe.skipIf(!postgresUp)('dedupe keys in the app transaction (postgres)', () => {
  for (const dedupe of ['active', 'queued', 'replace'] as const) {
    it(`'${dedupe}': an enqueue of the key waits for the app's ROLLBACK, then stores its own job`, async () => {
      const key = `rollback-${dedupe}`;
      const client = await postgres.pool.connect();
      try {
        await client.query('BEGIN');
        const rolledBack = await postgres.queue.enqueue(sync, { v: 1 }, { key, dedupe, tx: client });
        const outside = postgres.queue.enqueue(sync, { v: 2 }, { key, dedupe });
        expect(await settled(outside)).toBe(false);
        await client.query('ROLLBACK');
        const id = await outside;
        expect(id).not.toBe(rolledBack);
        expect(await postgres.backend.get(id)).toMatchObject({ state: 'queued', payload: { v: 2 } });
        expect(await postgres.backend.get(rolledBack)).toBeUndefined();
      } finally {
        client.release();
      }
    });
  }

  it("an operator's retry of a cancelled job waits for the app's COMMIT of a new job with its key, then declines", async () => {
    const key = 'retry-vs-enqueue';
    const cancelled = await postgres.queue.enqueue(sync, { v: 1 }, { key });
    expect(await postgres.backend.cancel(cancelled)).toBe(true);
    const client = await postgres.pool.connect();
    try {
      await client.query('BEGIN');
      const fresh = await postgres.queue.enqueue(sync, { v: 2 }, { key, tx: client });
      const retried = postgres.backend.retry(cancelled);
      expect(await settled(retried)).toBe(false);
      await client.query('COMMIT');
      expect(await retried).toBe(false);
      expect(await postgres.backend.get(cancelled)).toMatchObject({ state: 'cancelled' });
      expect(await postgres.backend.get(fresh)).toMatchObject({ state: 'queued', payload: { v: 2 } });
    } finally {
      client.release();
    }
  });

  it("'replace' in the transaction: the waiting job is not claimed before COMMIT, and runs with the new payload", async () => {
    const key = 'replace-commit';
    const first = await postgres.queue.enqueue(replaced, { v: 1 }, { key, dedupe: 'replace' });
    const client = await postgres.pool.connect();
    try {
      await client.query('BEGIN');
      expect(await postgres.queue.enqueue(replaced, { v: 2 }, { key, dedupe: 'replace', tx: client })).toBe(first);
      // The row is locked until COMMIT: a claim skips it rather than read the old payload.
      expect(await postgres.backend.claim({ workerId: 'w', tasks: ['sync-replaced'], limit: 10, leaseMs: 60_000, waitMs: 0 })).toEqual([]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const [claimed] = await eventually(async () => {
      const jobs = await postgres.backend.claim({ workerId: 'w', tasks: ['sync-replaced'], limit: 10, leaseMs: 60_000, waitMs: 0 });
      expect(jobs).toHaveLength(1);
      return jobs;
    });
    expect(claimed).toMatchObject({ jobId: first, payload: { v: 2 } });
    if (claimed !== undefined) await postgres.backend.complete(claimed, null);
  });
});
