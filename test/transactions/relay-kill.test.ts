import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutboxRelay, withOutbox } from '../../src/backends/outbox/index.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker } from '../../src/jobs/worker.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';
import { runFixture } from './run-fixture.js';

/**
 * The outbox relay killed with SIGKILL after it put a batch in Redis and before it marked the
 * entries relayed: the next relay moves them again under the same ids, Redis keeps one job per id,
 * and each job runs exactly once, even though its first copy had already run.
 */
const redisUp = await redisAvailable();
const dir = mkdtempSync(join(tmpdir(), 'errand-relay-kill-'));
const prefix = uniqueRedisPrefix('relay');
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (redisUp) await deleteRedisPrefix(prefix);
});

describe.skipIf(!redisUp)('outbox relay killed mid-move (redis)', () => {
  it('moves every committed job to Redis exactly once per job id', async () => {
    const path = join(dir, 'app.db');
    const outbox = createSqliteBackend({ path });
    const target = createRedisBackend({ url: testRedisUrl, prefix });
    const runs = new Map<string, number>();
    const ship = defineTask('relay-ship', { retries: 0, handler: (_payload: { n: number }, { jobId }) => void runs.set(jobId, (runs.get(jobId) ?? 0) + 1) });
    const queue = createQueue({ backend: withOutbox({ target, outbox }) });
    const db = new Database(path);
    const worker = createWorker({ backend: target, tasks: [ship], concurrency: 8, pollMs: 50, pruneIntervalMs: 0, logger: quiet });
    try {
      db.exec('BEGIN IMMEDIATE');
      const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => queue.enqueue(ship, { n }, { tx: db })));
      db.exec('COMMIT');

      const first = runFixture('./relay.fixture.ts', { OUTBOX_PATH: path, REDIS_URL: testRedisUrl, REDIS_PREFIX: prefix, RELAY_HANG_AFTER_MOVE: '1' });
      const moved = await first.until('moved');
      await first.kill9();
      expect(new Set(moved.ids as string[])).toEqual(new Set(ids));
      // The jobs already in Redis run while their outbox entries are still unrelayed.
      worker.start();
      await eventually(async () => expect((await target.stats()).counts.succeeded).toBe(ids.length), 30_000);

      // A second relay retakes the entries once the dead relay's lease lapses, and moves them again.
      const second = createOutboxRelay({ outbox, target, leaseMs: 1_000, pollMs: 50 }).start();
      await eventually(async () => expect((await outbox.stats()).counts.succeeded).toBe(ids.length), 30_000);
      await second.stop();
      expect((await outbox.get(ids[0]))?.attempts).toBe(2);

      const stats = await target.stats();
      expect(stats.counts).toMatchObject({ succeeded: ids.length, queued: 0, running: 0 });
      expect((await target.list({ limit: 100 })).total).toBe(ids.length);
      expect([...runs.keys()].sort()).toEqual([...ids].sort());
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await worker.stop({ timeoutMs: 1_000 });
      db.close();
      await target.close();
      await outbox.close();
    }
  }, 90_000);
});
