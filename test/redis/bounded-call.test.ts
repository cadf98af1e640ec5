import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedCall } from '../../src/backends/redis/bounded-call.js';
import { isErrandError } from '../../src/errors/errand-error.js';
import { redisAvailable, testRedisUrl } from '../../src/testing/redis.js';
import { freePort } from './private-redis.js';

/**
 * Many backend calls waiting for one Redis connection at once (a worker's claims and heartbeats and a
 * few requests while Redis restarts) share one wait: the client never holds more than one `ready`
 * listener for them, and Node never warns of a listener leak.
 */
const redisUp = await redisAvailable();
const clients: Redis[] = [];
const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);
process.on('warning', onWarning);

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
  warnings.length = 0;
});

function client(url: string): Redis {
  const made = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, enableOfflineQueue: false });
  clients.push(made);
  return made;
}

describe('boundedCall with many calls waiting for the connection', () => {
  it('on a port nobody listens on: 30 calls share one wait for ready, each fails within its budget, no listener warning', async () => {
    const down = client(`redis://127.0.0.1:${await freePort()}`);
    down.on('error', () => undefined);
    const calls = Array.from({ length: 30 }, (_, n) => boundedCall(down, 1_000, `call ${n}`, () => down.ping()).then(() => undefined, (error: unknown) => error));
    await new Promise((resolve) => setImmediate(resolve));
    // The shared wait's, and ioredis' own while a connection attempt is under way (one listener per call before).
    expect(down.listenerCount('ready')).toBeLessThanOrEqual(2);
    expect(down.listenerCount('end')).toBeLessThanOrEqual(2);
    const errors = await Promise.all(calls);
    expect(errors.every((error) => isErrandError(error, 'ERRAND_BACKEND_UNAVAILABLE'))).toBe(true);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it.skipIf(!redisUp)('on a connection still opening: 30 calls all run once it is ready, and no listener is left', async () => {
    const opening = client(testRedisUrl);
    const before = opening.listenerCount('ready');
    const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => boundedCall(opening, 10_000, `call ${n}`, () => opening.ping())));
    expect(answers).toEqual(Array.from({ length: 30 }, () => 'PONG'));
    expect(opening.listenerCount('ready')).toBe(before);
    expect(opening.listenerCount('end')).toBe(0);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
