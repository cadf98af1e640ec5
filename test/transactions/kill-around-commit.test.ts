import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutboxRelay } from '../../src/backends/outbox/index.js';
import { createPostgresBackend } from '../../src/backends/postgres/index.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';
import { runFixture } from './run-fixture.js';

/**
 * kill -9 of an app process in the middle of placing an order, on every backend: between writing
 * the order and its job and the COMMIT, and just after the COMMIT. Afterwards there is never a job
 * without its order nor an order without its job (on Redis, once the outbox relay has run).
 */
const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();
const dir = mkdtempSync(join(tmpdir(), 'errand-tx-kill-'));
const phases = ['before-commit', 'after-commit'] as const;
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** What survived the kill: whether the order row exists, and the job's state in the queue workers read. */
interface Outcome {
  order: boolean;
  job: string | undefined;
}

async function killAt(phase: (typeof phases)[number], env: Record<string, string>): Promise<string> {
  const app = runFixture('./place-order.fixture.ts', { ...env, TX_PHASE: phase });
  const line = await app.until(phase === 'before-commit' ? 'written' : 'committed');
  await app.kill9();
  return String(line.jobId);
}

function expectConsistent(phase: (typeof phases)[number], outcome: Outcome): void {
  if (phase === 'before-commit') expect(outcome).toEqual({ order: false, job: undefined });
  else expect(outcome).toEqual({ order: true, job: 'queued' });
}

describe.skipIf(!postgresUp)('kill -9 around the COMMIT of an order (postgres)', () => {
  it.each(phases)('%s: the order and its job exist together or not at all', async (phase) => {
    const schema = uniquePostgresSchema('txkill');
    cleanups.push(() => dropPostgresSchema(schema));
    const pool = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
    const backend = createPostgresBackend({ pool, schema });
    try {
      await backend.stats();
      await pool.query(`CREATE TABLE "${schema}".orders (id text PRIMARY KEY)`);
      const url = new URL(testPostgresUrl);
      url.searchParams.set('schema', schema);
      const orderId = randomUUID();
      const jobId = await killAt(phase, { TX_BACKEND: 'postgres', TX_URL: url.toString(), ORDER_ID: orderId });
      const order = (await pool.query(`SELECT 1 FROM "${schema}".orders WHERE id = $1`, [orderId])).rowCount === 1;
      expectConsistent(phase, { order, job: (await backend.get(jobId))?.state });
    } finally {
      await backend.close();
      await pool.end();
    }
  }, 60_000);
});

/** A fresh SQLite file with errand's tables and the app's orders table, as the app keeps them. */
function sqliteAppFile(): string {
  const path = join(dir, `${randomUUID()}.db`);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
  db.close();
  return path;
}

function orderExists(path: string, orderId: string): boolean {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT 1 FROM orders WHERE id = ?').get(orderId) !== undefined;
  } finally {
    db.close();
  }
}

describe('kill -9 around the COMMIT of an order (sqlite)', () => {
  it.each(phases)('%s: the order and its job exist together or not at all', async (phase) => {
    const path = sqliteAppFile();
    const backend: JobBackend = createSqliteBackend({ path });
    try {
      const orderId = randomUUID();
      const jobId = await killAt(phase, { TX_BACKEND: 'sqlite', TX_URL: path, ORDER_ID: orderId });
      expectConsistent(phase, { order: orderExists(path, orderId), job: (await backend.get(jobId))?.state });
    } finally {
      await backend.close();
    }
  }, 60_000);
});

describe.skipIf(!redisUp)('kill -9 around the COMMIT of an order (redis, through the outbox)', () => {
  it.each(phases)('%s: once relayed, the order and its job exist together or not at all', async (phase) => {
    const path = sqliteAppFile();
    const prefix = uniqueRedisPrefix('txkill');
    cleanups.push(async () => void (await deleteRedisPrefix(prefix)));
    const outbox = createSqliteBackend({ path });
    const target = createRedisBackend({ url: testRedisUrl, prefix });
    try {
      const orderId = randomUUID();
      const jobId = await killAt(phase, { TX_BACKEND: 'redis-outbox', TX_URL: path, ORDER_ID: orderId, REDIS_URL: testRedisUrl, REDIS_PREFIX: prefix });
      const relay = createOutboxRelay({ outbox, target });
      while ((await relay.moveOnce()) > 0);
      expectConsistent(phase, { order: orderExists(path, orderId), job: (await target.get(jobId))?.state });
    } finally {
      await target.close();
      await outbox.close();
    }
  }, 60_000);
});
