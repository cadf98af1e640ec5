import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** Where tests find Redis. `ERRAND_TEST_REDIS_URL` overrides it. @default 'redis://127.0.0.1:6379' */
export const testRedisUrl = process.env.ERRAND_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis test must fail (not skip) when Redis cannot be reached: CI sets ERRAND_REQUIRE_REDIS=1. */
export function isRedisRequired(): boolean {
  return process.env.ERRAND_REQUIRE_REDIS === '1';
}

/**
 * Answers whether Redis is reachable at `url`, within about a second. When it is not, warns loudly,
 * or throws when ERRAND_REQUIRE_REDIS=1 so CI cannot pass by skipping.
 *
 * @example
 * const redisUp = await redisAvailable();
 * describe.skipIf(!redisUp)('redis backend', () => { … });
 */
export async function redisAvailable(url: string = testRedisUrl): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (error) {
    const message = `Redis is not reachable at ${url} (${error instanceof Error ? error.message : String(error)}).`;
    if (isRedisRequired()) throw new Error(`${message} ERRAND_REQUIRE_REDIS=1, so Redis tests fail instead of skipping.`);
    console.warn(`\n!!! ${message} SKIPPING the Redis tests. Start Redis (redis-server) or set ERRAND_TEST_REDIS_URL; CI sets ERRAND_REQUIRE_REDIS=1 to make this a failure.\n`);
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A fresh key prefix for one test: nothing else shares its keys. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `errand-${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * Deletes every key under `prefix` (SCAN, not KEYS, so a shared Redis is not blocked).
 * Returns how many keys were deleted.
 */
export async function deleteRedisPrefix(prefix: string, url: string = testRedisUrl): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await client.quit().catch(() => undefined);
  }
}
