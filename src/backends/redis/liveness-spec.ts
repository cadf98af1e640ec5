import type { Redis } from 'ioredis';
import type { LivenessSpec } from '../../jobs/backend.js';
import type { RedisLivenessConfig } from './liveness-writer.js';

/** `.ts` when this module runs from its TypeScript source (development, tests), else `.js`. */
const moduleExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * Where a worker's liveness thread writes its record: a connection of its own to the same server,
 * made from `client`'s options (host and port or a unix socket path, db, credentials, TLS).
 * Undefined only when those options cannot be handed to a thread (TLS options holding functions,
 * such as a custom `checkServerIdentity`): the worker then relies on its leases alone.
 */
export function livenessSpec(client: Redis, keyPrefix: string, commandTimeoutMs: number): LivenessSpec | undefined {
  const { host, port, path, db, username, password, tls, family } = client.options;
  const connection: RedisLivenessConfig['connection'] = { db: db ?? 0 };
  if (path !== undefined && path !== null) connection.path = path;
  else Object.assign(connection, { host: host ?? '127.0.0.1', port: port ?? 6379 }, family === undefined ? {} : { family });
  // ioredis keeps absent credentials as null.
  if (typeof username === 'string' && username !== '') connection.username = username;
  if (typeof password === 'string' && password !== '') connection.password = password;
  if (tls !== undefined) connection.tls = tls;
  const config: RedisLivenessConfig = { connection, keyPrefix, commandTimeoutMs };
  try {
    structuredClone(config);
  } catch {
    return undefined;
  }
  return { moduleUrl: new URL(`./liveness-writer${moduleExtension}`, import.meta.url).href, config };
}
