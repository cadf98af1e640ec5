/**
 * Key and queue names of the Redis backend. errand keeps one BullMQ queue per task so a worker can
 * claim only the tasks it knows and has capacity for (BullMQ workers cannot filter a queue by job
 * name), plus keys of its own next to BullMQ's, all under the same prefix.
 */
export interface RedisNames {
  /** BullMQ key prefix (BullMQ's own default is `bull`). */
  readonly prefix: string;
  /** The logical queue every task queue belongs to. */
  readonly queueName: string;
  /** SET of task names that ever had a job here: drives stats, list and lookups by id. */
  readonly tasksKey: string;
  /** SET of ids of running jobs whose cancellation was requested; read at heartbeat. */
  readonly cancelRequestedKey: string;
  /** ZSET of cancelled job ids scored by cancel time (BullMQ has no cancelled state). */
  readonly cancelledKey: string;
  /** HASH of cancelled job id → JSON job record. */
  readonly cancelledDataKey: string;
  /** Prefix of rate-limit counters: bucket `b`'s is the hash `<rateKeyPrefix><b>` (its window and its count there). */
  readonly rateKeyPrefix: string;
  /** HASH of schedule name → JSON schedule record. */
  readonly schedulesKey: string;
  /** Prefix of worker liveness records: worker `id`'s record is `<livenessKeyPrefix><id>`. */
  readonly livenessKeyPrefix: string;
  /** Prefix of the dedupe key index: the ids of the jobs enqueued with key `k` are the LIST `<keyIndexPrefix><k>` (see key-index.ts). */
  readonly keyIndexPrefix: string;
  /** BullMQ queue name holding the jobs of `task`. */
  taskQueue(task: string): string;
  /** Key of BullMQ's hash for job `id` in the queue of `task`. */
  jobKey(task: string, id: string): string;
  /** Key of BullMQ's lock (its value is the fencing token) for job `id` in the queue of `task`. */
  lockKey(task: string, id: string): string;
  /** Pattern matching every key of this queue (cleanup in tests). */
  readonly pattern: string;
}

/** BullMQ refuses `:` in queue names; percent-encode it (and `%` itself so the mapping is one-to-one). */
function encodeSegment(value: string): string {
  return value.replaceAll('%', '%25').replaceAll(':', '%3A');
}

/**
 * Builds the names for `queueName` under `prefix`.
 *
 * @example
 * const names = redisNames('errand', 'jobs');
 * names.taskQueue('email:send'); // 'jobs.email%3Asend'
 */
export function redisNames(prefix: string, queueName: string): RedisNames {
  const base = encodeSegment(queueName);
  const own = `${prefix}:${base}:errand`;
  const taskQueue = (task: string): string => `${base}.${encodeSegment(task)}`;
  const jobKey = (task: string, id: string): string => `${prefix}:${taskQueue(task)}:${id}`;
  return {
    prefix,
    queueName,
    tasksKey: `${own}:tasks`,
    cancelRequestedKey: `${own}:cancel-requested`,
    cancelledKey: `${own}:cancelled`,
    cancelledDataKey: `${own}:cancelled-data`,
    livenessKeyPrefix: `${own}:worker:`,
    keyIndexPrefix: `${own}:key:`,
    schedulesKey: `${own}:schedules`,
    rateKeyPrefix: `${own}:rate-window:`,
    taskQueue,
    jobKey,
    lockKey: (task, id) => `${jobKey(task, id)}:lock`,
    pattern: `${prefix}:${base}*`,
  };
}
