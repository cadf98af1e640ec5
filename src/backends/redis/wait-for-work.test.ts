import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../testing/redis.js';
import { createRedisBackend } from './redis-backend.js';
import { redisNames } from './redis-names.js';
import { WorkWaiter } from './wait-for-work.js';

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)('WorkWaiter', () => {
  it('a wait sent while its blocking connection still connects waits for it, then for the job falling due', async () => {
    const prefix = uniqueRedisPrefix('waiter');
    const producer = createRedisBackend({ url: testRedisUrl, prefix });
    const client = new Redis(testRedisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: false });
    const waiter = new WorkWaiter(client);
    try {
      const dueAt = Date.now() + 100;
      await producer.enqueue([{ id: 'soon', task: 'conformance', payload: 1, runAt: dueAt, priority: 0, maxAttempts: 1, createdAt: Date.now() }]);
      // As a worker's first waiting claim: the connection opened a moment before (at its first claim).
      waiter.open();
      const queueKey = `${prefix}:${redisNames(prefix, 'jobs').taskQueue('conformance')}:`;
      // Before, the BZPOPMIN sent while connecting failed at once (no offline queue) and the wait paused
      // 250 ms: still waiting at this cut-off, 150 ms after the job fell due.
      const cut = AbortSignal.timeout(dueAt + 150 - Date.now());
      await waiter.wait([queueKey], 10_000, Date.now(), cut);
      expect(cut.aborted).toBe(false);
      expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    } finally {
      waiter.close();
      client.disconnect();
      await producer.close();
      await deleteRedisPrefix(prefix);
    }
  });
});
