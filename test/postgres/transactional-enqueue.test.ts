import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isErrandError } from '../../src/errors/errand-error.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { postgresAvailable, testPostgresUrl } from '../../src/testing/postgres.js';
import { postgresQueueForTests } from './postgres-queue-for-tests.js';

/**
 * enqueue(…, { tx }) on Postgres with each kind of transaction an app holds: the job exists if and
 * only if the app's transaction commits, and no worker sees it before the COMMIT.
 */
const postgresUp = await postgresAvailable();
const postgres = postgresQueueForTests('tx', postgresUp, (pool, schema) => pool.query(`CREATE TABLE "${schema}".orders (id text PRIMARY KEY)`));
const { schema } = postgres;
const ship = defineTask('ship-order', { handler: (payload: { orderId: string }) => payload.orderId });
const notifyShop = defineTask('notify-shop', { handler: (payload: { orderId: string }) => payload.orderId });

/** What a worker could claim right now. */
async function claimable(): Promise<string[]> {
  const jobs = await postgres.backend.claim({ workerId: 'observer', tasks: ['ship-order'], limit: 10, leaseMs: 60_000, waitMs: 0 });
  for (const job of jobs) await postgres.backend.release(job);
  return jobs.map((job) => job.jobId);
}

describe.skipIf(!postgresUp)('enqueue inside the app transaction (postgres)', () => {
  it('with a node-postgres client in BEGIN: invisible until COMMIT, then claimable', async () => {
    const client = await postgres.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('pg-1')`);
      const id = await postgres.queue.enqueue(ship, { orderId: 'pg-1' }, { tx: client });
      expect(await postgres.backend.get(id)).toBeUndefined();
      expect(await claimable()).not.toContain(id);
      await client.query('COMMIT');
      expect(await postgres.backend.get(id)).toMatchObject({ state: 'queued', payload: { orderId: 'pg-1' } });
      expect(await claimable()).toContain(id);
    } finally {
      client.release();
    }
  });

  it('with a node-postgres client: ROLLBACK leaves neither the order nor the job', async () => {
    const client = await postgres.pool.connect();
    let id = '';
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('pg-2')`);
      id = await postgres.queue.enqueue(ship, { orderId: 'pg-2' }, { tx: client });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await postgres.backend.get(id)).toBeUndefined();
    expect((await postgres.pool.query(`SELECT 1 FROM "${schema}".orders WHERE id = 'pg-2'`)).rowCount).toBe(0);
  });

  it('wakes a waiting worker when the transaction commits', async () => {
    const waiting = postgres.backend.claim({ workerId: 'waiter', tasks: ['notify-shop'], limit: 1, leaseMs: 60_000, waitMs: 10_000 });
    const client = await postgres.pool.connect();
    let id = '';
    try {
      await client.query('BEGIN');
      id = await postgres.queue.enqueue(notifyShop, { orderId: 'pg-3' }, { tx: client });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const [job] = await waiting;
    expect(job?.jobId).toBe(id);
    await postgres.backend.complete(job, null);
  });

  it('with a Kysely transaction: committed with it, rolled back with it', async () => {
    const db = new Kysely<Record<string, { id: string }>>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testPostgresUrl, max: 2 }) }) });
    try {
      const kept = await db.transaction().execute(async (trx) => {
        await sql`INSERT INTO ${sql.table(`${schema}.orders`)} (id) VALUES ('ky-1')`.execute(trx);
        const id = await postgres.queue.enqueue(ship, { orderId: 'ky-1' }, { tx: trx });
        expect(await postgres.backend.get(id)).toBeUndefined();
        return id;
      });
      expect(await postgres.backend.get(kept)).toMatchObject({ state: 'queued', payload: { orderId: 'ky-1' } });
      let dropped = '';
      await expect(
        db.transaction().execute(async (trx) => {
          dropped = await postgres.queue.enqueue(ship, { orderId: 'ky-2' }, { tx: trx });
          throw new Error('the order failed');
        }),
      ).rejects.toThrow('the order failed');
      expect(dropped).not.toBe('');
      expect(await postgres.backend.get(dropped)).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });

  it('with a Drizzle transaction: committed with it, rolled back with it', async () => {
    const drizzlePool = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
    const db = drizzle(drizzlePool);
    try {
      const kept = await db.transaction(async (tx) => {
        await tx.execute(drizzleSql.raw(`INSERT INTO "${schema}".orders (id) VALUES ('dz-1')`));
        const id = await postgres.queue.enqueue(ship, { orderId: 'dz-1' }, { tx });
        expect(await postgres.backend.get(id)).toBeUndefined();
        return id;
      });
      expect(await postgres.backend.get(kept)).toMatchObject({ state: 'queued', payload: { orderId: 'dz-1' } });
      let dropped = '';
      await expect(
        db.transaction(async (tx) => {
          dropped = await postgres.queue.enqueue(ship, { orderId: 'dz-2' }, { tx });
          tx.rollback();
        }),
      ).rejects.toThrow();
      expect(dropped).not.toBe('');
      expect(await postgres.backend.get(dropped)).toBeUndefined();
    } finally {
      await drizzlePool.end();
    }
  });

  it('deduplicates by key inside the transaction as outside it', async () => {
    const client = await postgres.pool.connect();
    try {
      await client.query('BEGIN');
      const first = await postgres.queue.enqueue(ship, { orderId: 'k' }, { tx: client, key: 'ship:k' });
      const again = await postgres.queue.enqueue(ship, { orderId: 'k' }, { tx: client, key: 'ship:k' });
      expect(again).toBe(first);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });

  it('enqueueMany with a node-postgres client: every job at COMMIT, none after ROLLBACK', async () => {
    const client = await postgres.pool.connect();
    let kept: string[] = [];
    let dropped: string[] = [];
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('bulk-1')`);
      kept = await postgres.queue.enqueueMany(
        Array.from({ length: 250 }, (_, line) => ({ task: ship, payload: { orderId: `bulk-1:${line}` } })),
        { tx: client },
      );
      expect(kept).toHaveLength(250);
      expect(await postgres.backend.get(kept[0] ?? '')).toBeUndefined();
      expect((await claimable()).filter((id) => kept.includes(id))).toEqual([]);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('bulk-2')`);
      dropped = await postgres.queue.enqueueMany([{ task: ship, payload: { orderId: 'bulk-2:a' } }, { task: notifyShop, payload: { orderId: 'bulk-2:b' }, options: { tx: client } }], { tx: client });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const stored = await Promise.all(kept.map((id) => postgres.backend.get(id)));
    expect(stored.map((job) => job?.state)).toEqual(kept.map(() => 'queued'));
    expect(stored.map((job) => (job?.payload as { orderId: string }).orderId)).toEqual(kept.map((_, line) => `bulk-1:${line}`));
    expect(await Promise.all(dropped.map((id) => postgres.backend.get(id)))).toEqual([undefined, undefined]);
    expect((await postgres.pool.query(`SELECT 1 FROM "${schema}".orders WHERE id = 'bulk-2'`)).rowCount).toBe(0);
    const stats = await postgres.backend.stats();
    expect(stats.counts.queued).toBeGreaterThanOrEqual(250);
  });

  it('enqueueMany with a Kysely transaction: rolled back with it', async () => {
    const db = new Kysely<Record<string, { id: string }>>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testPostgresUrl, max: 2 }) }) });
    try {
      let dropped: string[] = [];
      await expect(
        db.transaction().execute(async (trx) => {
          dropped = await postgres.queue.enqueueMany([{ task: ship, payload: { orderId: 'ky-bulk-1' } }, { task: ship, payload: { orderId: 'ky-bulk-2' } }], { tx: trx });
          throw new Error('the order failed');
        }),
      ).rejects.toThrow('the order failed');
      expect(dropped).toHaveLength(2);
      expect(await Promise.all(dropped.map((id) => postgres.backend.get(id)))).toEqual([undefined, undefined]);
    } finally {
      await db.destroy();
    }
  });

  it('refuses a tx it does not know with ERRAND_TX_UNSUPPORTED', async () => {
    const error = await postgres.queue.enqueue(ship, { orderId: 'x' }, { tx: { begin: () => undefined } }).catch((thrown: unknown) => thrown);
    expect(isErrandError(error, 'ERRAND_TX_UNSUPPORTED')).toBe(true);
  });
});
