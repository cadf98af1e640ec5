import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrandError } from '../errors/errand-error.js';
import type { JobBackend } from '../jobs/backend.js';

/** The queue used when neither `--queue` nor `ERRAND_QUEUE` says otherwise. */
export const defaultQueueUrl = './data/errand.db';

/**
 * The queue URL of this process: `ERRAND_QUEUE` when set, else the SQLite file
 * `<ERRAND_DATA_DIR or ./data>/errand.db`.
 *
 * @default `${ERRAND_DATA_DIR ?? './data'}/errand.db`
 * @example
 * queueUrlFromEnv({ ERRAND_QUEUE: 'redis://127.0.0.1:6379/0' }) // 'redis://127.0.0.1:6379/0'
 * queueUrlFromEnv({ ERRAND_DATA_DIR: '/var/lib/app' })         // '/var/lib/app/errand.db'
 */
export function queueUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.ERRAND_QUEUE?.trim();
  if (configured !== undefined && configured !== '') return configured;
  const dataDir = env.ERRAND_DATA_DIR?.trim();
  return dataDir === undefined || dataDir === '' ? defaultQueueUrl : join(dataDir, 'errand.db');
}

/**
 * Splits errand's own query parameters off a Redis URL: `prefix` (key prefix) and `queue` (queue
 * name); the rest goes to ioredis untouched.
 */
export function parseRedisQueueUrl(url: string): { url: string; prefix?: string; queueName?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ErrandError('ERRAND_BACKEND_CONFIG', `"${url}" is not a valid Redis URL; use redis://[:password@]host[:port][/db]`, { cause: error });
  }
  const prefix = parsed.searchParams.get('prefix') ?? undefined;
  const queueName = parsed.searchParams.get('queue') ?? undefined;
  parsed.searchParams.delete('prefix');
  parsed.searchParams.delete('queue');
  const result: { url: string; prefix?: string; queueName?: string } = { url: parsed.toString() };
  if (prefix !== undefined && prefix !== '') result.prefix = prefix;
  if (queueName !== undefined && queueName !== '') result.queueName = queueName;
  return result;
}

/**
 * Splits errand's own query parameter off a Postgres URL: `schema` (where errand's tables live);
 * the rest goes to node-postgres untouched.
 */
export function parsePostgresQueueUrl(url: string): { connectionString: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ErrandError('ERRAND_BACKEND_CONFIG', `"${url}" is not a valid Postgres URL; use postgres://user[:password]@host[:port]/database[?schema=errand]`, { cause: error });
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return schema === undefined || schema === '' ? { connectionString: parsed.toString() } : { connectionString: parsed.toString(), schema };
}

function sqlitePath(url: string): string {
  if (url.startsWith('file:')) return fileURLToPath(url);
  // sqlite:///abs/path.db → /abs/path.db, sqlite://rel.db and sqlite:rel.db → rel.db
  if (url.startsWith('sqlite:///')) return url.slice('sqlite://'.length);
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length);
  return url.slice('sqlite:'.length);
}

/**
 * Opens the job backend a URL names. Backends are imported on demand, so a deployment that uses
 * SQLite never loads the Redis client and the other way round.
 *
 * - `memory:`: in this process only (tests, trying things out)
 * - `sqlite:path/to/file.db`, `sqlite:///abs/file.db`, `file:///abs/file.db`, or a bare path: SQLite
 * - `redis://[:password@]host[:port][/db][?prefix=errand&queue=jobs]`, `rediss://…`: Redis through BullMQ
 * - `postgres://user[:password]@host[:port]/database[?schema=errand]`, `postgresql://…`: Postgres (node-postgres)
 *
 * @default queueUrlFromEnv(): ERRAND_QUEUE, else `<ERRAND_DATA_DIR or ./data>/errand.db`
 * @example
 * const backend = await createBackendFromUrl(process.env.ERRAND_QUEUE ?? './data/errand.db')
 */
export async function createBackendFromUrl(url: string = queueUrlFromEnv()): Promise<JobBackend> {
  const trimmed = url.trim();
  if (trimmed === '') throw new ErrandError('ERRAND_BACKEND_CONFIG', 'the queue URL is empty; use memory:, sqlite:path/to/file.db or redis://host:6379');
  if (trimmed === 'memory:' || trimmed === 'memory://') {
    const { createMemoryBackend } = await import('./memory/memory-backend.js');
    return createMemoryBackend();
  }
  if (/^rediss?:\/\//.test(trimmed)) {
    const { createRedisBackend } = await import('./redis/redis-backend.js');
    return createRedisBackend(parseRedisQueueUrl(trimmed));
  }
  if (/^postgres(ql)?:\/\//.test(trimmed)) {
    const { createPostgresBackend } = await import('./postgres/create-postgres-backend.js');
    return createPostgresBackend(parsePostgresQueueUrl(trimmed));
  }
  // A one-letter "scheme" is a Windows drive (C:\…), so it is a path too.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'sqlite' || scheme === 'file') {
    const path = scheme === undefined ? trimmed : sqlitePath(trimmed);
    if (path === '') throw new ErrandError('ERRAND_BACKEND_CONFIG', `"${url}" names no SQLite file; use sqlite:path/to/file.db`);
    const { createSqliteBackend } = await import('./sqlite/create-sqlite-backend.js');
    return createSqliteBackend({ path });
  }
  throw new ErrandError('ERRAND_BACKEND_CONFIG', `"${url}" is not a queue URL errand understands; use memory:, sqlite:path/to/file.db, a file path, redis://host:6379 or postgres://user@host/database`);
}
