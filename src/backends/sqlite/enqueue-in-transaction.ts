import { resolve } from 'node:path';
import { ErrandError } from '../../errors/errand-error.js';
import type { AppTransaction } from '../../jobs/backend.js';
import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { holdersSql, insertSql, replaceSql, storeNewJob, type NewJobStatements } from './store-new-job.js';

/** What errand needs of the app's SQLite handle: better-sqlite3's `Database` and node:sqlite's `DatabaseSync` both have it. */
interface SqliteHandle {
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  /** better-sqlite3 */
  readonly inTransaction?: boolean;
  /** node:sqlite */
  readonly isTransaction?: boolean;
  /** better-sqlite3: the file it opened. */
  readonly name?: string;
}

function isSqliteHandle(value: AppTransaction): value is SqliteHandle {
  return typeof (value as { prepare?: unknown }).prepare === 'function';
}

function unsupported(detail: string): ErrandError {
  return new ErrandError('ERRAND_TX_UNSUPPORTED', `enqueue was given a \`tx\` the SQLite backend cannot use: ${detail}`);
}

/**
 * Stores jobs through the app's own SQLite connection while it is inside a transaction, so they
 * are written (and committed, or rolled back) with the app's rows. errand's tables must be in the
 * app's database file: open the backend on that file (it migrates it) and use the same path.
 * Runs synchronously, as a better-sqlite3 or node:sqlite transaction requires; workers see the
 * jobs once the app commits (at their next poll, within `pollIntervalMs`).
 */
export function enqueueInSqliteTransaction(tx: AppTransaction, path: string, jobs: readonly NewJob[], now: number): EnqueueResult[] {
  if (!isSqliteHandle(tx)) throw unsupported('pass the app\'s better-sqlite3 Database or node:sqlite DatabaseSync handle');
  if (tx.inTransaction !== true && tx.isTransaction !== true) {
    throw unsupported('the handle is not inside a transaction (BEGIN first, or call enqueue inside db.transaction(); with an async schema, validate before BEGIN)');
  }
  if (typeof tx.name === 'string' && path !== ':memory:' && resolve(tx.name) !== resolve(path)) {
    throw unsupported(`the handle is on ${tx.name} but the queue is on ${path}; the job must live in the app's database file`);
  }
  // The app's handle prepares errand's statements; they run inside its transaction, under its write lock.
  const statements: NewJobStatements = { holders: tx.prepare(holdersSql), insert: tx.prepare(insertSql), replace: tx.prepare(replaceSql) };
  return jobs.map((job) => storeNewJob(statements, job, now));
}
