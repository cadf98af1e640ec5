import { Redis, type RedisOptions } from 'ioredis';
import type { LivenessWriter } from '../../jobs/backend.js';

/** What the liveness thread needs to reach Redis. */
export interface RedisLivenessConfig {
  /** The backend connection's options that say where the server is and how to reach it (structured-cloneable). */
  connection: Pick<RedisOptions, 'host' | 'port' | 'path' | 'family' | 'db' | 'username' | 'password' | 'tls'>;
  /** Key prefix of liveness records: the record of worker `id` is `<keyPrefix><id>`. */
  keyPrefix: string;
  commandTimeoutMs: number;
}

/**
 * The Redis side of worker liveness, run in a worker's liveness thread on a connection of its own:
 * `SET <prefix>:<queue>:errand:worker:<id> <now> PX ttl`. A worker's claim tokens name it, so the claim
 * that finds its record gone takes its jobs back (see lua-scripts.ts, takeBackLapsed).
 *
 * @example
 * const writer = createLivenessWriter({ connection: { host: '127.0.0.1', port: 6379 }, keyPrefix: 'errand:jobs:errand:worker:', commandTimeoutMs: 1000 })
 */
export function createLivenessWriter(config: unknown): LivenessWriter {
  const { connection, keyPrefix, commandTimeoutMs } = config as RedisLivenessConfig;
  const client = new Redis({ ...connection, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: commandTimeoutMs });
  client.on('error', () => undefined);
  // Waits for the connection at most one command timeout: a beat that cannot be stored fails, and the
  // thread tries again at the next one.
  const ready = (): Promise<void> =>
    client.status === 'ready'
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            client.off('ready', onReady);
            reject(new Error(`Redis not reachable within ${commandTimeoutMs} ms`));
          }, commandTimeoutMs);
          const onReady = (): void => {
            clearTimeout(timer);
            resolve();
          };
          client.once('ready', onReady);
        });
  return {
    async beat(workerId, ttlMs) {
      await ready();
      // The value is the beat's time (the dashboard's "last heartbeat"); the key's expiry is the record's validity.
      await client.set(`${keyPrefix}${workerId}`, String(Date.now()), 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async forget(workerId) {
      if (client.status === 'ready') await client.del(`${keyPrefix}${workerId}`);
    },
    close() {
      client.disconnect();
    },
  };
}
