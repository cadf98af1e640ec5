import { isErrandError } from '../../errors/errand-error.js';
import { backendUnavailableError } from '../../jobs/backend-errors.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/**
 * Maps what SQLite throws to the errors every backend raises: errand's own errors pass through,
 * a SQLite failure (busy past the timeout, disk full, unreadable file, closed connection) becomes
 * ERRAND_BACKEND_UNAVAILABLE with the original as `cause`, anything else (a bug) is rethrown as is.
 *
 * @example
 * try { claim() } catch (error) { throw mapSqliteError(error, db, path) }
 */
export function mapSqliteError(error: unknown, db: SqliteDatabase, path: string): Error {
  if (isErrandError(error)) return error;
  const failure = db.failureOf(error);
  if (failure === 'closed') return backendUnavailableError(`the SQLite queue at ${path} is closed`, { cause: error });
  if (failure !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return backendUnavailableError(`the SQLite queue at ${path} failed (${failure}): ${message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(`the SQLite queue at ${path} threw a non-error: ${String(error)}`, { cause: error });
}
