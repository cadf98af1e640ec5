/**
 * An outbox relay process: moves entries from the SQLite outbox at OUTBOX_PATH to Redis
 * (REDIS_URL, REDIS_PREFIX). With RELAY_HANG_AFTER_MOVE=1 it prints `{"event":"moved"}` once a
 * batch is in Redis and then hangs before marking the entries relayed, so the parent can kill -9
 * it exactly mid-move.
 */
import { createOutboxRelay } from '../../src/backends/outbox/index.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';

const redis = createRedisBackend({ url: process.env.REDIS_URL ?? '', prefix: process.env.REDIS_PREFIX ?? '' });
const target: JobBackend = {
  ...redis,
  async enqueue(jobs) {
    const results = await redis.enqueue(jobs);
    process.stdout.write(`${JSON.stringify({ event: 'moved', ids: jobs.map((job) => job.id) })}\n`);
    if (process.env.RELAY_HANG_AFTER_MOVE === '1') await new Promise(() => setInterval(() => undefined, 60_000));
    return results;
  },
};
const outbox = createSqliteBackend({ path: process.env.OUTBOX_PATH ?? '', pollIntervalMs: 50 });
createOutboxRelay({ outbox, target, leaseMs: 1_000, pollMs: 100 }).start();
process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
