/**
 * An app process that places one order: in one transaction it writes the order row and enqueues
 * its job with `{ tx }`, then (TX_PHASE=after-commit) commits. It prints `{"event":"written"}`
 * once both are written and `{"event":"committed"}` after the COMMIT, then waits to be killed.
 *
 * env: TX_BACKEND postgres | sqlite | redis-outbox; TX_URL (Postgres URL with ?schema=, or the
 * SQLite file); TX_PHASE before-commit | after-commit; ORDER_ID; REDIS_URL and REDIS_PREFIX for
 * redis-outbox (the outbox is the SQLite file, the jobs' target Redis).
 *
 * Each backend's modules are imported only when TX_BACKEND names it: the process is killed as soon
 * as it has written, so its boot is most of its cost, and BullMQ alone was half of it.
 */
import type { JobBackend } from '../../src/jobs/backend.js';
import { createQueue } from '../../src/jobs/queue.js';
import { shipOrder } from './ship-order-task.js';

const { TX_BACKEND: kind, TX_URL: url = '', TX_PHASE: phase, ORDER_ID: orderId = '' } = process.env;
const say = (event: string, extra: object = {}): void => void process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);

async function placeOnPostgres(): Promise<void> {
  const [{ default: pg }, { parsePostgresQueueUrl }, { createPostgresBackend }] = await Promise.all([import('pg'), import('../../src/backends/from-url.js'), import('../../src/backends/postgres/index.js')]);
  const { connectionString, schema = 'errand' } = parsePostgresQueueUrl(url);
  const pool = new pg.Pool({ connectionString, max: 2 });
  const queue = createQueue({ backend: createPostgresBackend({ pool, schema }) });
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query(`INSERT INTO "${schema}".orders (id) VALUES ($1)`, [orderId]);
  const jobId = await queue.enqueue(shipOrder, { orderId }, { tx: client });
  say('written', { jobId });
  if (phase === 'after-commit') {
    await client.query('COMMIT');
    say('committed', { jobId });
  }
}

async function placeOnSqlite(backend: JobBackend): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const queue = createQueue({ backend });
  const db = new Database(url, { timeout: 10_000 });
  db.exec('BEGIN IMMEDIATE');
  db.prepare('INSERT INTO orders (id) VALUES (?)').run(orderId);
  const jobId = await queue.enqueue(shipOrder, { orderId }, { tx: db });
  say('written', { jobId });
  if (phase === 'after-commit') {
    db.exec('COMMIT');
    say('committed', { jobId });
  }
}

if (kind === 'postgres') await placeOnPostgres();
else if (kind === 'sqlite') {
  const { createSqliteBackend } = await import('../../src/backends/sqlite/index.js');
  await placeOnSqlite(createSqliteBackend({ path: url }));
} else if (kind === 'redis-outbox') {
  const [{ withOutbox }, { createRedisBackend }, { createSqliteBackend }] = await Promise.all([import('../../src/backends/outbox/index.js'), import('../../src/backends/redis/redis-backend.js'), import('../../src/backends/sqlite/index.js')]);
  const target = createRedisBackend({ url: process.env.REDIS_URL ?? '', prefix: process.env.REDIS_PREFIX ?? '' });
  await placeOnSqlite(withOutbox({ target, outbox: createSqliteBackend({ path: url }) }));
} else throw new Error(`place-order fixture: unknown TX_BACKEND ${kind ?? ''}`);
// Wait for the kill -9, holding whatever is open (an uncommitted transaction, a connection).
setInterval(() => undefined, 60_000);
