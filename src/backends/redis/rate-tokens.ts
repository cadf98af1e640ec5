import type { Redis } from 'ioredis';
import { rateRetryAt } from '../../jobs/rate-window.js';
import type { RedisNames } from './redis-names.js';

/**
 * Counts a start in the bucket's window: KEYS[1] is the bucket's hash {window, count}, ARGV[1] the
 * window's length in ms, ARGV[2] the key's lifetime. The window is read from Redis' clock when the
 * script runs, not from the caller's: a take queued behind other commands under load is counted in
 * the window in which it is granted (its handler starts a reply later, not a queue later), and every
 * machine counts against one clock. The stored window never goes back (were the server's clock
 * stepped back, the later window stays). Answers {count, window}.
 */
const countInWindow = `
local time = redis.call('TIME')
local window = math.floor((tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)) / tonumber(ARGV[1]))
local stored = tonumber(redis.call('HGET', KEYS[1], 'window'))
local count
if stored ~= nil and stored >= window then
  window = stored
  count = redis.call('HINCRBY', KEYS[1], 'count', 1)
else
  redis.call('HSET', KEYS[1], 'window', string.format('%d', window), 'count', 1)
  count = 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {count, string.format('%d', window)}`;

/**
 * Counts one start in `bucket`'s current fixed window (one script, expiring with the window): null
 * when within `limit`, else the window's end.
 */
export async function takeRateToken(client: Redis, names: RedisNames, bucket: string, limit: number, windowMs: number): Promise<number | null> {
  const [count, window] = (await client.eval(countInWindow, 1, `${names.rateKeyPrefix}${bucket}`, String(windowMs), String(windowMs * 2))) as [number, string];
  return rateRetryAt(Number(count), limit, Number(window), windowMs);
}
