import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../testing/redis.js';
import { claimKeys, completeKeys, loadBatchScripts } from './batch-scripts.js';

const redisUp = await redisAvailable();

/** The oldest BullMQ in errand's peer range (the dev pin, `bullmq`) and the newest (`bullmq-newest`, an npm alias). */
const builds = ['bullmq', 'bullmq-newest'] as const;

interface BullQueue {
  keys: Record<string, string>;
  add(name: string, data: unknown, opts?: object): Promise<{ id?: string }>;
  getJobState(id: string): Promise<string>;
  close(): Promise<void>;
}
type BullModule = { Queue: new (name: string, opts: object) => BullQueue; Job: { fromId(queue: BullQueue, id: string): Promise<{ returnvalue: unknown } | undefined> } };

describe('batch scripts (the opt-in path that reads BullMQ’s build)', () => {
  it.each(builds)('load from %s (else the backend silently drops to one call per job)', (build) => {
    // lazyConnect: defining commands does not touch the network.
    const client = new Redis({ lazyConnect: true });
    try {
      expect(loadBatchScripts(client, build)).toBeDefined();
      // A second backend on a shared client reuses the commands.
      expect(loadBatchScripts(client, build)).toBeDefined();
    } finally {
      client.disconnect();
    }
  });

  it.skipIf(!redisUp).each(builds)('claim and complete jobs that %s’s own Queue added, as its Worker would', async (build) => {
    const bull = createRequire(import.meta.url)(build) as BullModule;
    const prefix = uniqueRedisPrefix('batch');
    const client = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const queue = new bull.Queue('batch', { connection, prefix });
    try {
      const added = await Promise.all([1, 2, 3].map((n) => queue.add('batch', { n })));
      const scripts = loadBatchScripts(client, build);
      if (scripts === undefined) throw new Error(`${build}: scripts did not load`);
      const tokens = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const claimed = await scripts.claim(claimKeys(queue.keys), queue.keys[''] ?? '', 30_000, tokens);
      expect(claimed.map((job) => job.id).sort()).toEqual(added.map((job) => job.id).sort());
      expect(claimed.map((job) => job.token)).toEqual(tokens.slice(0, 3));
      for (const job of claimed) expect(await queue.getJobState(job.id)).toBe('active');
      // A wrong token is refused (fencing); the right ones complete.
      const [wrong] = await scripts.complete(completeKeys(queue.keys), queue.keys[''] ?? '', [{ id: claimed[0].id, token: 'not-the-token', returnValue: 'null', attempts: 1, keepJobs: '{"count":-1}' }]);
      expect(wrong).toBeLessThan(0);
      const codes = await scripts.complete(
        completeKeys(queue.keys),
        queue.keys[''] ?? '',
        claimed.map((job) => ({ id: job.id, token: job.token, returnValue: JSON.stringify({ done: job.id }), attempts: 1, keepJobs: '{"count":-1}' })),
      );
      expect(codes).toEqual([0, 0, 0]);
      for (const job of claimed) {
        expect(await queue.getJobState(job.id)).toBe('completed');
        expect((await bull.Job.fromId(queue, job.id))?.returnvalue).toEqual({ done: job.id });
      }
    } finally {
      await queue.close();
      connection.disconnect();
      client.disconnect();
      await deleteRedisPrefix(prefix);
    }
  });

  it('pass BullMQ key names in its scripts order', () => {
    const keys = Object.fromEntries(['', 'wait', 'active', 'prioritized', 'events', 'stalled', 'limiter', 'delayed', 'paused', 'meta', 'pc', 'marker', 'completed'].map((name) => [name, `p:q:${name}`]));
    expect(claimKeys(keys)).toEqual(['p:q:wait', 'p:q:active', 'p:q:prioritized', 'p:q:events', 'p:q:stalled', 'p:q:limiter', 'p:q:delayed', 'p:q:paused', 'p:q:meta', 'p:q:pc', 'p:q:marker']);
    const complete = completeKeys(keys);
    expect(complete).toHaveLength(14);
    expect(complete[10]).toBe('p:q:completed');
    expect(complete[12]).toBe('p:q:metrics:completed');
    expect(complete[13]).toBe('p:q:marker');
  });
});
