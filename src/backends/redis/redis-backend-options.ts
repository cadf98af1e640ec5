import type { Redis } from 'ioredis';
import type { RetentionOptions } from '../../jobs/backend.js';

/** Options of {@link createRedisBackend}. */
export interface RedisBackendOptions {
  /** An ioredis client to share (errand does not close it). Give this or `url`. */
  connection?: Redis;
  /** `redis://[:password@]host[:port][/db]` or `rediss://…`. @default 'redis://127.0.0.1:6379' */
  url?: string;
  /** Key prefix of every key, BullMQ's and errand's. @default 'errand' */
  prefix?: string;
  /** Logical queue name; each task gets the BullMQ queue `<queueName>.<task>`. @default 'jobs' */
  queueName?: string;
  /**
   * BullMQ lock duration used when a claim does not say (claims normally pass the worker's lease).
   * @default 10_000
   */
  lockDurationMs?: number;
  /**
   * How often BullMQ's stalled checker looks for jobs whose lock lapsed. A dead worker's job runs again
   * within about lease + 2 × this interval. @default 1_000
   */
  stalledIntervalMs?: number;
  /**
   * Longest time any backend call (enqueue, claim, heartbeat, complete, get…) takes, waiting for a
   * (re)connection included; past it the call fails with ERRAND_BACKEND_UNAVAILABLE (HTTP 503 with
   * `Retry-After`). A waiting claim gets its `waitMs` on top. Redis down or frozen never makes a
   * call hang; the connection keeps reconnecting on its own. @default 5_000
   */
  commandTimeoutMs?: number;
  /** How long finished jobs are kept (BullMQ's removeOnComplete/removeOnFail ages, and `prune`). */
  retention?: RetentionOptions;
  /**
   * Opt-in speed-up: claim and complete a batch of jobs in one Redis call each, running BullMQ's own
   * moveToActive and moveToFinished scripts once per job inside one Lua call. It reads those
   * scripts from BullMQ's build, which is not BullMQ's public API (tested against the oldest and
   * newest BullMQ in errand's peer range; an unexpected build falls back by itself). Off: one
   * public BullMQ call per job (`Worker.getNextJob`, `Job.moveToCompleted`). docs/jobs.md has the
   * throughput of both. @default false
   */
  batchScripts?: boolean;
}

/** BullMQ's keepJobs for a job's removeOnComplete, as its own Job.moveToCompleted derives it (getKeepJobs). */
export function keepJobsOf(removeOnComplete: unknown): string {
  if (typeof removeOnComplete === 'object' && removeOnComplete !== null) return JSON.stringify(removeOnComplete);
  if (typeof removeOnComplete === 'number') return JSON.stringify({ count: removeOnComplete });
  return JSON.stringify({ count: removeOnComplete === true ? 0 : -1 });
}
