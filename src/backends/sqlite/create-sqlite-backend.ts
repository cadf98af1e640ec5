import { ErrandError } from '../../errors/errand-error.js';
import type { JobBackend, RetentionOptions } from '../../jobs/backend.js';
import { defaultRetention } from '../../jobs/backend-errors.js';
import { createClaimNow } from './claim-jobs.js';
import { createCompleter } from './complete-jobs.js';
import { createEnqueue } from './enqueue-jobs.js';
import { enqueueInSqliteTransaction } from './enqueue-in-transaction.js';
import { createFail } from './fail-job.js';
import { createHeartbeat } from './heartbeat-leases.js';
import { createManager } from './manage-jobs.js';
import { createLivenessRecords } from './liveness-records.js';
import { mapSqliteError } from './map-sqlite-error.js';
import { openDatabase } from './open-database.js';
import type { SqliteDriverName } from './sqlite-driver.js';
import { createPrune } from './prune-jobs.js';
import { createReader } from './read-jobs.js';
import { createSeriesStore } from './read-series.js';
import { createLeaseSettlers } from './settle-lease.js';
import type { SqliteContext } from './sqlite-context.js';
import { createSqliteScheduleStore } from './sqlite-schedules.js';
import { sqliteLocation } from './sqlite-location.js';
import { createRateCounter } from './rate-limits.js';
import { createClaim, type Waiters } from './wait-for-jobs.js';

/** `.ts` when this module runs from its TypeScript source (development, tests), else `.js`. */
const moduleExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Options of {@link createSqliteBackend}. */
export interface SqliteBackendOptions {
  /**
   * The database file, created if missing. Every worker process on the machine opens the same path.
   * Workers keep their liveness records in a second file beside it, `<path>-liveness`, created at
   * first use (removing the queue: `rm data/jobs.db*`).
   * `':memory:'` gives a private, single-process database (tests). A `file:` URI is read as SQLite
   * reads it, on either driver: `file:data/jobs.db?mode=rwc` is `data/jobs.db`, its liveness file
   * `data/jobs.db-liveness` opened with the same parameters, and `mode=memory` is private like
   * `':memory:'`. better-sqlite3 refuses parameters a plain file name cannot carry (`vfs`, `mode=ro`).
   * @example 'data/jobs.db'
   */
  path: string;
  /** How long a statement waits for another process's write lock before failing. @default 5000 */
  busyTimeoutMs?: number;
  /** How long finished jobs are kept before `prune` deletes them. @default { succeededMs: 1 day, deadMs: 7 days, cancelledMs: 1 day } */
  retention?: RetentionOptions;
  /**
   * Longest pause between two polls of a waiting `claim`: the worst delay before a job enqueued by
   * another process (or a lapsed lease) is seen. Jobs enqueued in this process wake it at once.
   * @default 100
   */
  pollIntervalMs?: number;
  /** Clock for timestamps, leases and due times (tests). Waits still use real timers. @default Date.now */
  now?: () => number;
  /**
   * The SQLite library to run on: `'better-sqlite3'` (a native module, the faster of the two, and
   * the only one on Node 20), or Node's built-in `'node:sqlite'` (Node 22.13 and later, nothing to
   * build). Both store the same file format, so a queue file can move from one to the other.
   * @default the ERRAND_SQLITE_DRIVER environment variable, else better-sqlite3 when it is installed, else node:sqlite
   */
  driver?: SqliteDriverName;
}

/**
 * The embedded job backend: one SQLite file (WAL, on better-sqlite3 or node:sqlite) shared safely by every worker
 * process on one machine. Claims are atomic under SQLite's write lock, fenced by a random token
 * per claim; completions made in the same event-loop turn share one transaction.
 *
 * @example
 * const backend = createSqliteBackend({ path: 'data/jobs.db' })
 * const queue = createQueue({ backend })
 * // …
 * await backend.close()
 */
export function createSqliteBackend(options: SqliteBackendOptions): JobBackend {
  const { path } = options;
  // Resolved now: the liveness file is opened at first use, maybe after the process changed directory.
  const location = sqliteLocation(path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const driver = options.driver ?? driverFromEnv();
  const db = openDatabase(path, busyTimeoutMs, driver);
  const waiters: Waiters = new Set();
  let closed = false;
  const context: SqliteContext = {
    db,
    now: options.now ?? Date.now,
    retention: { ...defaultRetention, ...options.retention },
    liveness: createLivenessRecords(location.absolute, busyTimeoutMs, driver),
    notify: () => {
      if (waiters.size === 0) return; // every enqueue notifies: no copy when nobody waits
      for (const wake of [...waiters]) wake();
    },
  };
  const enqueue = createEnqueue(context);
  const claim = createClaim(context, createClaimNow(context), waiters, { minPollMs: 5, maxPollMs: options.pollIntervalMs ?? 100 }, () => closed);
  const completer = createCompleter(context);
  const fail = createFail(context);
  const heartbeat = createHeartbeat(context);
  const settlers = createLeaseSettlers(context);
  const reader = createReader(context);
  const seriesStore = createSeriesStore(context);
  const manager = createManager(context);
  const prune = createPrune(context);
  const takeRateToken = createRateCounter(context);

  /** Runs a synchronous operation as the contract's promise, mapping SQLite failures to errand's errors. */
  function run<T>(operation: () => T): Promise<T> {
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(mapSqliteError(error, db, path));
    }
  }
  const mapped = (error: unknown): Promise<never> => Promise.reject(mapSqliteError(error, db, path));

  return {
    name: `sqlite:${path}`,
    enqueue: (jobs) => run(() => enqueue(jobs)),
    enqueueInTransaction: (tx, jobs) => run(() => enqueueInSqliteTransaction(tx, path, jobs, context.now())),
    async claim(claimOptions) {
      try {
        return await claim(claimOptions);
      } catch (error) {
        throw mapSqliteError(error, db, path);
      }
    },
    heartbeat: (leases, leaseMs) => run(() => heartbeat(leases, leaseMs)),
    progress: (lease, value) => run(() => settlers.progress(lease, value)),
    complete: (lease, result) => completer.complete(lease, result).catch(mapped),
    completeMany: (completions) => completer.completeMany(completions).catch(mapped),
    fail: (lease, failOptions) => run(() => fail(lease, failOptions)),
    cancelled: (lease) => run(() => settlers.cancelled(lease)),
    release: (lease, runAt) => run(() => settlers.release(lease, runAt)),
    // Each take in a turn of its own: a worker takes the tokens of a claimed batch in one loop, and a
    // synchronous take would hold every granted job of the batch until the last take had waited for
    // the write lock (a take that commits a WAL checkpoint can take hundreds of ms): granted at the
    // end of a window, they started in the next (81 / 119 starts per 1 s window under a limit of 100).
    // Between two immediates the promise jobs run, so a granted job starts before the next take.
    takeRateToken: (bucket, limit, windowMs) => new Promise((resolve) => setImmediate(() => resolve(run(() => takeRateToken(bucket, limit, windowMs))))),
    get: (id) => run(() => reader.get(id)),
    list: (listOptions) => run(() => reader.list(listOptions)),
    stats: () => run(() => reader.stats()),
    series: (since, bucketMs) => run(() => seriesStore.series(since, bucketMs)),
    sampleDepth: () => run(() => seriesStore.recordDepth()),
    findByKey: (key) => run(() => reader.findByKey(key)),
    workers: () => run(() => seriesStore.workers()),
    cancel: (id) => run(() => manager.cancel(id)),
    retry: (id) => run(() => manager.retry(id)),
    remove: (id) => run(() => manager.remove(id)),
    prune: (now) => run(() => prune(now)),
    schedules: createSqliteScheduleStore(context, run),
    // A private database cannot be opened from the liveness thread. The thread writes to the liveness
    // file beside the queue, not to the queue: SQLite does not queue lock waiters, and among four
    // processes busy with the queue a beat went 3.7 to 6.8 s without the queue's write lock on a
    // loaded machine, past the 3 s its record lives, so a live worker's jobs were taken back (and,
    // with one attempt, went dead).
    liveness: () => (location.private ? undefined : { moduleUrl: new URL('./liveness-writer.js', import.meta.url).href.replace(/\.js$/, moduleExtension), config: { path: location.absolute, busyTimeoutMs, driver } }),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      context.notify();
      return run(() => {
        // Completions already promised must reach the file before the connection goes.
        completer.flush();
        context.liveness.close();
        db.close();
      });
    },
  };
}

/** `ERRAND_SQLITE_DRIVER`, when it names a driver; anything else is a configuration error. */
function driverFromEnv(): SqliteDriverName | undefined {
  const value = process.env.ERRAND_SQLITE_DRIVER?.trim();
  if (value === undefined || value === '') return undefined;
  if (value === 'better-sqlite3' || value === 'node:sqlite') return value;
  throw new ErrandError('ERRAND_BACKEND_CONFIG', `ERRAND_SQLITE_DRIVER must be better-sqlite3 or node:sqlite, not ${JSON.stringify(value)}`);
}
