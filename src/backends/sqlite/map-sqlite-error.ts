import Database from 'better-sqlite3';
import { isErrandError } from '../../errors/errand-error.js';
import { backendUnavailableError } from '../../jobs/backend-errors.js';

/**
 * Maps what SQLite throws to the errors every backend raises: errand's own errors pass through,
 * a SQLite failure (busy past the timeout, disk full, unreadable file, closed connection) becomes
 * ERRAND_BACKEND_UNAVAILABLE with the original as `cause`, anything else (a bug) is rethrown as is.
 *
 * @example
 * try { claim() } catch (error) { throw mapSqliteError(error, path) }
 */
export function mapSqliteError(error: unknown, path: string): Error {
  if (isErrandError(error)) return error;
  if (error instanceof Database.SqliteError) {
    return backendUnavailableError(`the SQLite queue at ${path} failed (${error.code}): ${error.message}`, { cause: error });
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return backendUnavailableError(`the SQLite queue at ${path} is closed`, { cause: error });
  }
  return error instanceof Error ? error : new Error(`the SQLite queue at ${path} threw a non-error: ${String(error)}`, { cause: error });
}
