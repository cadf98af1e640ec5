import { isErrandError } from '../../errors/errand-error.js';
import { backendUnavailableError } from '../../jobs/backend-errors.js';

/**
 * Maps what node-postgres throws to the errors every backend raises: errand's own errors pass
 * through; a database or connection failure (refused, dropped, timed out, an SQL error) becomes
 * ERRAND_BACKEND_UNAVAILABLE with the original as `cause` (its SQLSTATE stays at `cause.code`).
 *
 * @example
 * try { await pool.query(text) } catch (error) { throw mapPostgresError(error, 'postgres://db/app') }
 */
export function mapPostgresError(error: unknown, label: string): Error {
  if (isErrandError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return backendUnavailableError(`the Postgres queue at ${label} failed${typeof code === 'string' ? ` (${code})` : ''}: ${detail}`, { cause: error });
}

/** A connection URL without its password, for names and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}
