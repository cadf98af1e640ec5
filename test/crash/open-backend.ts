import { fileURLToPath } from 'node:url';
import type { JobBackend } from '../../src/jobs/backend.js';

/**
 * Opens the backend a crash run is about, from a queue URL, in the parent and in every worker
 * process alike:
 * - `sqlite:///abs/path.db` (or `file:///abs/path.db`): the embedded backend on that file, on the
 *   default driver or the one `?driver=better-sqlite3|node:sqlite` names;
 * - `redis://host:port/db?prefix=name`: the Redis backend, keys under `prefix` (one per run);
 * - `postgres://user@host/db?schema=name`: the Postgres backend, tables in `schema` (one per run).
 *
 * Only the named backend's module is loaded: a worker process that imported all three (BullMQ
 * above all) spent about half its boot on the two it does not use, and crash runs boot a
 * replacement process per kill.
 */
export async function openBackend(url: string): Promise<JobBackend> {
  const parsed = new URL(url);
  if (parsed.protocol === 'sqlite:' || parsed.protocol === 'file:') {
    const path = fileURLToPath(`file://${parsed.pathname}`);
    const driver = parsed.searchParams.get('driver');
    if (driver !== null && driver !== 'better-sqlite3' && driver !== 'node:sqlite') throw new Error(`crash harness: unknown SQLite driver ${driver}`);
    const { createSqliteBackend } = await import('../../src/backends/sqlite/index.js');
    return createSqliteBackend({ path, busyTimeoutMs: 10_000, pollIntervalMs: 50, ...(driver === null ? {} : { driver }) });
  }
  if (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') {
    const prefix = parsed.searchParams.get('prefix') ?? 'errand-crash';
    parsed.search = '';
    const { createRedisBackend } = await import('../../src/backends/redis/redis-backend.js');
    return createRedisBackend({ url: parsed.toString(), prefix });
  }
  if (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') {
    const [{ parsePostgresQueueUrl }, { createPostgresBackend }] = await Promise.all([import('../../src/backends/from-url.js'), import('../../src/backends/postgres/index.js')]);
    return createPostgresBackend({ ...parsePostgresQueueUrl(url), poolSize: 3, pollIntervalMs: 50 });
  }
  throw new Error(`crash harness: unsupported queue URL ${url} (use sqlite:///path or redis://host?prefix=name)`);
}
