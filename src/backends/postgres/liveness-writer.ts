import pg from 'pg';
import type { LivenessWriter } from '../../jobs/backend.js';
import { migratePostgres } from './migrate.js';
import { databaseNowMs, quoteIdentifier } from './postgres-context.js';

/** The connection settings a liveness thread can be handed (structured-cloneable: no functions, no streams). */
export type PostgresLivenessConnection = Pick<pg.ClientConfig, 'connectionString' | 'host' | 'port' | 'user' | 'database' | 'ssl' | 'application_name' | 'options'> & {
  password?: string;
};

/** What the liveness thread needs to reach the schema. */
export interface PostgresLivenessConfig {
  connection: PostgresLivenessConnection;
  /** The queue's schema (unquoted). */
  schema: string;
  /** Whether the writer may apply pending migrations (a worker can start beating before its backend's first call migrated). */
  migrate: boolean;
  /** Bounds connecting and each statement: a beat that cannot be stored fails, and the thread tries again at the next one. */
  timeoutMs: number;
}

/**
 * The Postgres side of worker liveness, run in a worker's liveness thread on a connection of its
 * own: upserts the worker's row in `<schema>.workers` (migrations 0002 and 0009): the beat's time and
 * the time the record lapses (the database's now + ttl). A one-connection pool, so a dropped
 * connection is replaced at the next beat. Plain
 * statements in autocommit: they work behind PgBouncer in transaction mode too. A schema not yet
 * migrated (the worker's first beat can come before its backend's first call) is migrated once.
 *
 * @example
 * const writer = createLivenessWriter({ connection: { connectionString: 'postgres://app@db/app' }, schema: 'errand', migrate: true, timeoutMs: 1_000 })
 * await writer.beat('host:123:ab12cd34', 3_000)
 */
export function createLivenessWriter(config: unknown): LivenessWriter {
  const { connection, schema, migrate, timeoutMs } = config as PostgresLivenessConfig;
  const workers = `${quoteIdentifier(schema)}.workers`;
  const pool = new pg.Pool({ ...connection, max: 1, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: connection.application_name ?? 'errand liveness' });
  // A connection that dies while idle is reported on the pool; the next beat opens another.
  pool.on('error', () => undefined);
  const upsert = `INSERT INTO ${workers} (id, beat_at, alive_until) VALUES ($1, ${databaseNowMs}, ${databaseNowMs} + $2)
    ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, alive_until = excluded.alive_until`;
  return {
    async beat(workerId, ttlMs) {
      const values = [workerId, Math.max(1, Math.ceil(ttlMs))];
      try {
        await pool.query(upsert, values);
      } catch (error) {
        if (!migrate || !isUndefinedTable(error)) throw error;
        await migratePostgres(pool, schema);
        await pool.query(upsert, values);
      }
    },
    async forget(workerId) {
      await pool.query(`DELETE FROM ${workers} WHERE id = $1`, [workerId]);
    },
    async close() {
      await pool.end();
    },
  };
}

/** Postgres said the relation does not exist (SQLSTATE 42P01), the schema does not (3F000), or a column of a later migration does not (42703). */
function isUndefinedTable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000' || code === '42703';
}

/**
 * The settings of `options` a liveness thread can open its own connection with, or undefined when
 * they cannot cross to a thread (a password given as a function, TLS material that is not plain data).
 */
export function livenessConnection(options: pg.ClientConfig): PostgresLivenessConnection | undefined {
  if (options.password !== undefined && typeof options.password !== 'string') return undefined;
  if (options.stream !== undefined) return undefined;
  const connection: PostgresLivenessConnection = {};
  if (options.connectionString !== undefined) connection.connectionString = options.connectionString;
  if (options.host !== undefined) connection.host = options.host;
  if (options.port !== undefined) connection.port = options.port;
  if (options.user !== undefined) connection.user = options.user;
  if (options.password !== undefined) connection.password = options.password;
  if (options.database !== undefined) connection.database = options.database;
  if (options.application_name !== undefined) connection.application_name = options.application_name;
  if (options.options !== undefined) connection.options = options.options;
  if (options.ssl !== undefined) {
    try {
      connection.ssl = structuredClone(options.ssl);
    } catch {
      return undefined;
    }
  }
  return connection;
}
