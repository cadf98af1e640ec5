/**
 * A worker process of bench/rate-limit-accuracy.ts: runs the `limited` task (LIMIT per INTERVAL_MS)
 * from the SQLite file ERRAND_SQLITE or the Redis prefix ERRAND_REDIS_PREFIX (on ERRAND_REDIS_URL)
 * and prints `ran <epoch ms>` per handler start; `ready` once started. SIGTERM stops it.
 */
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createWorker } from '../../src/jobs/worker.js';

const sqlitePath = process.env.ERRAND_SQLITE;
const backend = sqlitePath === undefined
  ? createRedisBackend({ url: process.env.ERRAND_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: process.env.ERRAND_REDIS_PREFIX ?? 'errand-rate-bench' })
  : createSqliteBackend({ path: sqlitePath, busyTimeoutMs: 10_000, pollIntervalMs: 50 });
const limited = defineTask('limited', {
  retries: 0,
  rateLimit: { limit: Number(process.env.LIMIT), intervalMs: Number(process.env.INTERVAL_MS) },
  handler: () => void process.stdout.write(`ran ${Date.now()}\n`),
});
function logError(object: object, message?: string): void {
  const { err } = object as { err?: unknown };
  process.stderr.write(`${message ?? 'error'}: ${err instanceof Error ? `${err.name} ${err.message}` : JSON.stringify(object)}\n`);
}
const quiet = { error: logError, warn: () => undefined, info: () => undefined, debug: () => undefined };
const worker = createWorker({ backend, tasks: [limited], concurrency: 20, pollMs: 50, pruneIntervalMs: 0, logger: quiet, workerId: `rate-bench-${process.pid}` });
worker.start();
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void worker
    .stop({ timeoutMs: 5_000 })
    .then(() => backend.close())
    .then(() => process.exit(0));
});
