import { fileURLToPath } from 'node:url';
import { parsePostgresQueueUrl } from '../../src/backends/from-url.js';
import { createPostgresBackend } from '../../src/backends/postgres/index.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';

/**
 * Opens the backend a crash run is about, from a queue URL, in the parent and in every worker
 * process alike:
 * - `sqlite:///abs/path.db` (or `file:///abs/path.db`): the embedded backend on that file, on the
 *   default driver or the one `?driver=better-sqlite3|node:sqlite` names;
 * - `redis://host:port/db?prefix=name`: the Redis backend, keys under `prefix` (one per run);
 * - `postgres://user@host/db?schema=name`: the Postgres backend, tables in `schema` (one per run).
 */
export function openBackend(url: string): JobBackend {
  const parsed = new URL(url);
  if (parsed.protocol === 'sqlite:' || parsed.protocol === 'file:') {
    const path = fileURLToPath(`file://${parsed.pathname}`);
    const driver = parsed.searchParams.get('driver');
    if (driver !== null && driver !== 'better-sqlite3' && driver !== 'node:sqlite') throw new Error(`crash harness: unknown SQLite driver ${driver}`);
    return createSqliteBackend({ path, busyTimeoutMs: 10_000, pollIntervalMs: 50, ...(driver === null ? {} : { driver }) });
  }
  if (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') {
    const prefix = parsed.searchParams.get('prefix') ?? 'errand-crash';
    parsed.search = '';
    return createRedisBackend({ url: parsed.toString(), prefix });
  }
  if (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') {
    return createPostgresBackend({ ...parsePostgresQueueUrl(url), poolSize: 3, pollIntervalMs: 50 });
  }
  throw new Error(`crash harness: unsupported queue URL ${url} (use sqlite:///path or redis://host?prefix=name)`);
}
