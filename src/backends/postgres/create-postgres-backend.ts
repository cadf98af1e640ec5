import pg from 'pg';
import type { JobBackend, RetentionOptions } from '../../jobs/backend.js';
import { defaultRetention } from '../../jobs/backend-errors.js';
import { createClaimNow, createNextDue } from './claim-jobs.js';
import { createCompleter } from './complete-jobs.js';
import { enqueueJobs } from './enqueue-jobs.js';
import { createFail } from './fail-job.js';
import { createHeartbeat } from './heartbeat-leases.js';
import { listenForJobs, type JobListener } from './listen-for-jobs.js';
import { livenessConnection, type PostgresLivenessConfig } from './liveness-writer.js';
import { createManager } from './manage-jobs.js';
import { mapPostgresError, redactUrl } from './map-postgres-error.js';
import { defaultSchema, migratePostgres } from './migrate.js';
import { channelOf, quoteIdentifier, type PostgresContext, type RunQuery, type RunTransaction } from './postgres-context.js';
import { createPostgresScheduleStore } from './postgres-schedules.js';
import { createRateCounter } from './rate-limits.js';
import { createPrune } from './prune-jobs.js';
import { createReader } from './read-jobs.js';
import { createSeriesStore } from './read-series.js';
import { createLeaseSettlers } from './settle-lease.js';
import { enqueueInTransaction } from './transaction-executor.js';
import { createClaim, wakeAll, type Waiters } from './wait-for-jobs.js';

const moduleExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Options of {@link createPostgresBackend}. Give `connectionString` or `pool`. */
export interface PostgresBackendOptions {
  /** Where the database is. @example 'postgres://app@db.internal:5432/app' */
  connectionString?: string;
  /** The app's own pool, used instead of opening one (`close()` then leaves it open). */
  pool?: pg.Pool;
  /** The schema errand's tables live in, created if missing. One schema is one queue. @default 'errand' */
  schema?: string;
  /** Connections of the pool errand opens (not used with `pool`). @default 10 */
  poolSize?: number;
  /** Apply pending migrations before the first operation (`errand migrate` does it ahead of time). @default true */
  migrate?: boolean;
  /** Wake idle workers with LISTEN/NOTIFY; turn off behind a transaction-mode PgBouncer (claims then poll). @default true */
  listen?: boolean;
  /** Name the hot statements so each connection parses and plans them once; turn off behind a PgBouncer older than 1.21. @default true */
  preparedStatements?: boolean;
  /**
   * Longest pause between two polls of a waiting `claim`: the worst delay before a delayed job
   * coming due, a lapsed lease, or (with `listen: false`) any new job is noticed.
   * @default 250
   */
  pollIntervalMs?: number;
  /** How long getting a connection may take before a call fails with ERRAND_BACKEND_UNAVAILABLE. @default 5000 */
  connectTimeoutMs?: number;
  /** How long one statement may take before its call fails with ERRAND_BACKEND_UNAVAILABLE. @default 10000 */
  queryTimeoutMs?: number;
  /** How long finished jobs are kept before `prune` deletes them. @default { succeededMs: 1 day, deadMs: 7 days, cancelledMs: 1 day } */
  retention?: RetentionOptions;
  /** Clock for timestamps, leases and due times (tests). @default Date.now */
  now?: () => number;
}

/**
 * The Postgres job backend (node-postgres): many worker processes on many machines share one
 * schema. Claims use `FOR UPDATE SKIP LOCKED`, fenced by a random token per claim; LISTEN/NOTIFY
 * wakes idle workers, polling is the fallback; migrations run before the first operation. Jobs can
 * be enqueued inside the app's own transaction (`queue.enqueue(task, payload, { tx })`).
 *
 * @example
 * const backend = createPostgresBackend({ connectionString: process.env.DATABASE_URL })
 * const queue = createQueue({ backend })
 * // …
 * await backend.close()
 */
export function createPostgresBackend(options: PostgresBackendOptions): JobBackend {
  const schemaName = options.schema ?? defaultSchema;
  const ownPool = options.pool === undefined;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const pool =
    options.pool ??
    new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, connectionTimeoutMillis: connectTimeoutMs, query_timeout: queryTimeoutMs });
  // An idle connection that dies emits on the pool; unhandled, that would kill the process. The
  // next call gets a fresh connection (or its own error).
  if (ownPool) pool.on('error', () => undefined);
  const label = options.connectionString === undefined ? `schema ${schemaName}` : `${redactUrl(options.connectionString)} (schema ${schemaName})`;
  const prepared = options.preparedStatements ?? true;
  let closed = false;
  let migrated: Promise<unknown> | undefined = options.migrate === false ? Promise.resolve() : undefined;

  /** Migrates once before the first statement; a failed migration is tried again by the next call. */
  function ready(): Promise<unknown> {
    migrated ??= migratePostgres(pool, schemaName).catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  }

  const query: RunQuery = async <Row>(text: string, values: readonly unknown[], name?: string) => {
    try {
      await ready();
      const result = await pool.query<Row & pg.QueryResultRow>({ text, values: [...values], ...(prepared && name !== undefined ? { name } : {}) });
      return { rows: result.rows, rowCount: result.rowCount };
    } catch (error) {
      throw mapPostgresError(error, label);
    }
  };
  const transaction: RunTransaction = async (work) => {
    await ready().catch((error: unknown) => {
      throw mapPostgresError(error, label);
    });
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw mapPostgresError(error, label);
    }
    const inTransaction: RunQuery = async <Row>(text: string, values: readonly unknown[], name?: string) => {
      try {
        const result = await client.query<Row & pg.QueryResultRow>({ text, values: [...values], ...(prepared && name !== undefined ? { name } : {}) });
        return { rows: result.rows, rowCount: result.rowCount };
      } catch (error) {
        throw mapPostgresError(error, label);
      }
    };
    let broken: Error | undefined;
    try {
      await inTransaction('BEGIN', []);
      const result = await work(inTransaction);
      await inTransaction('COMMIT', []);
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback instanceof Error ? rollback : new Error(String(rollback))));
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const schema = quoteIdentifier(schemaName);
  const context: PostgresContext = {
    query,
    transaction,
    schema,
    table: `${schema}.jobs`,
    workers: `${schema}.workers`,
    channel: channelOf(schemaName),
    now: options.now ?? Date.now,
    retention: { ...defaultRetention, ...options.retention },
  };
  const waiters: Waiters = new Set();
  const listener: JobListener | undefined = options.listen === false ? undefined : listenForJobs({ ...pool.options, connectionTimeoutMillis: connectTimeoutMs }, context.channel, waiters);
  const claim = createClaim(createClaimNow(context), waiters, { minPollMs: 5, maxPollMs: options.pollIntervalMs ?? 250 }, () => closed, createNextDue(context));
  const completer = createCompleter(context);
  const heartbeat = createHeartbeat(context);
  const settlers = createLeaseSettlers(context);
  const reader = createReader(context);
  const seriesStore = createSeriesStore(context);
  const manager = createManager(context);

  return {
    name: `postgres:${label}`,
    async enqueue(jobs) {
      const results = await enqueueJobs({ query, transaction, table: context.table, channel: context.channel, name: `errand-enqueue-${schema}` }, jobs, context.now());
      // Waiters in this process need not wait for the notification's round trip.
      if (results.some((result) => result.created)) wakeAll(waiters);
      return results;
    },
    async enqueueInTransaction(tx, jobs) {
      try {
        await ready();
        return await enqueueInTransaction(tx, { table: context.table, channel: context.channel }, jobs, context.now());
      } catch (error) {
        throw mapPostgresError(error, label);
      }
    },
    claim,
    heartbeat,
    progress: settlers.progress,
    complete: completer.complete,
    completeMany: completer.completeMany,
    fail: createFail(context),
    cancelled: settlers.cancelled,
    release: settlers.release,
    takeRateToken: createRateCounter(context),
    get: reader.get,
    list: reader.list,
    stats: reader.stats,
    series: (since, bucketMs) => seriesStore.series(since, bucketMs),
    sampleDepth: () => seriesStore.recordDepth(),
    findByKey: reader.findByKey,
    workers: () => seriesStore.workers(),
    cancel: manager.cancel,
    retry: manager.retry,
    remove: manager.remove,
    prune: createPrune(context),
    liveness() {
      // The thread opens a connection of its own with the pool's settings (not with a password callback).
      const connection = livenessConnection(pool.options);
      if (connection === undefined) return undefined;
      const config: PostgresLivenessConfig = { connection, schema: schemaName, migrate: options.migrate !== false, timeoutMs: Math.min(connectTimeoutMs, 1_000) };
      return { moduleUrl: new URL(`./liveness-writer${moduleExtension}`, import.meta.url).href, config };
    },
    schedules: createPostgresScheduleStore(context, () => wakeAll(waiters)),
    async close() {
      if (closed) return;
      closed = true;
      wakeAll(waiters);
      await listener?.close();
      if (ownPool) await pool.end();
    },
  };
}
