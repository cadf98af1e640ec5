import Database from 'better-sqlite3';
import pg from 'pg';
import { parsePostgresQueueUrl } from 'errand/backends/from-url';
import { migratePostgres } from 'errand/backends/postgres';
import type { AppTransaction, JobBackend } from 'errand/jobs';

/** An order as `POST /orders` accepted it. */
export interface PlacedOrder {
  orderId: string;
  item: string;
  quantity: number;
  email: string;
}

/**
 * Where orders are written in the same transaction as the job that fulfils them: the queue's own
 * database (the SQLite file, or the Postgres database and schema), so an order exists if and only
 * if its job does.
 */
export interface OrderBook {
  /** Writes the order, then `enqueue(tx)` in the same transaction, and commits both (or neither). Resolves to the job id. */
  place(order: PlacedOrder, enqueue: (tx: AppTransaction) => Promise<string>): Promise<string>;
  /** The order, or undefined. */
  get(orderId: string): Promise<PlacedOrder | undefined>;
  close(): Promise<void>;
}

interface OrderRow {
  id: string;
  item: string;
  quantity: number;
  email: string;
}

const toOrder = (row: OrderRow): PlacedOrder => ({ orderId: row.id, item: row.item, quantity: Number(row.quantity), email: row.email });

/** Orders in the queue's SQLite file, written by the app's own connection (BEGIN IMMEDIATE … COMMIT). */
function sqliteOrderBook(path: string): OrderBook {
  const db = new Database(path, { timeout: 5_000 });
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS shop_orders (id TEXT PRIMARY KEY, item TEXT NOT NULL, quantity INTEGER NOT NULL, email TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO shop_orders (id, item, quantity, email) VALUES (?, ?, ?, ?)');
  const byId = db.prepare('SELECT id, item, quantity, email FROM shop_orders WHERE id = ?');
  return {
    async place(order, enqueue) {
      db.exec('BEGIN IMMEDIATE');
      try {
        insert.run(order.orderId, order.item, order.quantity, order.email);
        const jobId = await enqueue(db);
        db.exec('COMMIT');
        return jobId;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    get(orderId) {
      const row = byId.get(orderId) as OrderRow | undefined;
      return Promise.resolve(row === undefined ? undefined : toOrder(row));
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

/** Orders in the queue's Postgres schema, written by a pooled client inside BEGIN … COMMIT. */
function postgresOrderBook(url: string): OrderBook {
  const { connectionString, schema = 'errand' } = parsePostgresQueueUrl(url);
  const table = `"${schema.replaceAll('"', '""')}".shop_orders`;
  const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  let ready: Promise<unknown> | undefined;
  // The queue's migration creates the schema (under its advisory lock, so concurrent starts do not race); the table goes beside errand's.
  const ensureTable = (): Promise<unknown> =>
    (ready ??= migratePostgres(pool, schema)
      .then(() => pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, item text NOT NULL, quantity integer NOT NULL, email text NOT NULL)`))
      .catch((error: unknown) => {
        ready = undefined; // the database may be back at the next request
        throw error;
      }));
  return {
    async place(order, enqueue) {
      await ensureTable();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (id, item, quantity, email) VALUES ($1, $2, $3, $4)`, [order.orderId, order.item, order.quantity, order.email]);
        const jobId = await enqueue(client);
        await client.query('COMMIT');
        return jobId;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async get(orderId) {
      await ensureTable();
      const { rows } = await pool.query<OrderRow>(`SELECT id, item, quantity, email FROM ${table} WHERE id = $1`, [orderId]);
      return rows[0] === undefined ? undefined : toOrder(rows[0]);
    },
    close: () => pool.end(),
  };
}

/**
 * The order book for the queue this service runs on: the SQLite file or the Postgres database the
 * jobs live in. Redis and memory queues have no database to share, so they get none (the route
 * then adds the order's tasks after the response, as before; with Redis, an outbox would give the
 * same guarantee, see docs/jobs.md).
 */
export function openOrderBook(backend: JobBackend, queueUrl: string | undefined): OrderBook | undefined {
  if (queueUrl !== undefined && /^postgres(ql)?:\/\//.test(queueUrl)) return postgresOrderBook(queueUrl);
  if (backend.name.startsWith('sqlite:') && backend.name !== 'sqlite::memory:') return sqliteOrderBook(backend.name.slice('sqlite:'.length));
  return undefined;
}
