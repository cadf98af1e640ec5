import { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { isErrandError } from '../../errors/errand-error.js';
import type { ClaimedJob, ClaimOptions, Completion, FailOptions, JobBackend, JobPage, Lease, LeaseStatus, ListOptions, LivenessSpec, QueueStats, RetentionOptions } from '../../jobs/backend.js';
import type { EnqueueResult, JobEvent, JobRecord, NewJob } from '../../jobs/job.js';
import type { JobSeries, WorkerInfo } from '../../jobs/job-series.js';
import { CancelledJobs } from './cancelled-jobs.js';
import { encodeEvent, toJobRecord } from './job-record.js';
import { isLeaseLostCode, leaseLost, toBackendError, withLease } from './lease-errors.js';
import { renewLeasesIfHeld, setProgressIfHeld, takeBackLapsedJobs, uncountAttemptIfHeld, type LeaseToRenew } from './lua-scripts.js';
import { listJobs, queueDepth, queueStats } from './redis-listing.js';
import { redisNames, type RedisNames } from './redis-names.js';
import { claimFromTask, type HeldJob } from './claim-from-task.js';
import { completeKeys, loadBatchScripts, type BatchCompletion, type BatchScripts } from './batch-scripts.js';
import { RetryAtError, TaskQueues } from './task-queues.js';
import { WorkWaiter } from './wait-for-work.js';
import { keepJobsOf, type RedisBackendOptions } from './redis-backend-options.js';
import { readJob } from './read-job.js';
import { enqueueWithMode } from './enqueue-with-mode.js';
import { RedisSeries } from './redis-series.js';
import { KeyIndex } from './key-index.js';
import { bullJobOptions } from './bull-job-options.js';
import { FairGroups, type GroupedTask } from './fair-groups.js';
import { defaultRetention } from '../../jobs/backend-errors.js';
import { rateRetryAt } from '../../jobs/rate-window.js';
import { boundedCall } from './bounded-call.js';
import { boundedSchedules, createRedisScheduleStore } from './redis-schedules.js';
import type { RedisLivenessConfig } from './liveness-writer.js';

/** KEYS: the window's counter. ARGV: its time to live in ms. Counts one start; answers the count. */
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

/** `.ts` when this module runs from its TypeScript source (development, tests), else `.js`. */
const moduleExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export type { RedisBackendOptions } from './redis-backend-options.js';

/**
 * Durable jobs on Redis through BullMQ: one BullMQ queue per task, BullMQ's lock token as errand's
 * fencing token, BullMQ's stalled checker for dead workers. See src/backends/redis/README.md.
 *
 * @example
 * const backend = createRedisBackend({ url: 'redis://127.0.0.1:6379/0', prefix: 'myapp' });
 * const queue = createQueue({ backend, tasks: [sendWelcome] });
 */
export function createRedisBackend(options: RedisBackendOptions = {}): JobBackend {
  const backend = new RedisBackend(options);
  const timeoutMs = options.commandTimeoutMs ?? 5_000;
  const client = backend.connection;
  /** Every call answers within its budget (a waiting claim: its wait on top), whatever Redis does. */
  const bounded = <T>(what: string, operation: () => Promise<T>, extraMs = 0): Promise<T> => boundedCall(client, timeoutMs + extraMs, what, operation);
  return {
    name: backend.name,
    enqueue: (jobs) => bounded('enqueue', () => backend.enqueue(jobs)),
    claim: (claimOptions) => bounded('claim', () => backend.claim(claimOptions), Math.max(0, claimOptions.waitMs)),
    heartbeat: (leases, leaseMs) => bounded('heartbeat', () => backend.heartbeat(leases, leaseMs)),
    progress: (lease, value) => bounded('progress', () => backend.progress(lease, value)),
    complete: (lease, result) => bounded('complete', () => backend.complete(lease, result)),
    completeMany: (completions) => bounded('completeMany', () => backend.completeMany(completions)),
    fail: (lease, failOptions) => bounded('fail', () => backend.fail(lease, failOptions)),
    cancelled: (lease) => bounded('cancelled', () => backend.cancelled(lease)),
    release: (lease, runAt) => bounded('release', () => backend.release(lease, runAt)),
    takeRateToken: (bucket, limit, windowMs) => bounded('takeRateToken', () => backend.takeRateToken(bucket, limit, windowMs)),
    get: (id) => bounded('get', () => backend.get(id)),
    list: (listOptions) => bounded('list', () => backend.list(listOptions)),
    stats: () => bounded('stats', () => backend.stats()),
    series: (since, bucketMs) => bounded('series', () => backend.readSeries(since, bucketMs)),
    sampleDepth: () => bounded('sampleDepth', () => backend.sampleDepth()),
    findByKey: (key) => bounded('findByKey', () => backend.findByKey(key)),
    workers: () => bounded('workers', () => backend.workers()),
    cancel: (id) => bounded('cancel', () => backend.cancel(id)),
    retry: (id) => bounded('retry', () => backend.retry(id)),
    remove: (id) => bounded('remove', () => backend.remove(id)),
    prune: (now) => bounded('prune', () => backend.prune(now)),
    schedules: boundedSchedules(createRedisScheduleStore(client, backend.schedulesKey, (jobs) => backend.enqueue(jobs)), bounded),
    close: () => backend.close(timeoutMs),
    liveness: () => backend.liveness(timeoutMs),
  };
}

class RedisBackend implements JobBackend {
  readonly name: string;
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly names: RedisNames;
  private readonly timeSeries: RedisSeries;
  private readonly keyIndex: KeyIndex;
  private readonly queues: TaskQueues;
  private readonly cancelledJobs: CancelledJobs;
  private readonly waiter: WorkWaiter;
  private readonly retention: Required<RetentionOptions>;
  private readonly lockDurationMs: number;
  /** Jobs this process claimed, by id: which task queue they are in, and BullMQ's Job object. */
  private readonly held = new Map<string, HeldJob>();
  private rotation = 0;
  private readonly lastLapsedScan = new Map<string, number>();
  /** errand's batch forms of BullMQ's scripts (one call per batch), or undefined to use one call per job. */
  private readonly scripts: BatchScripts | undefined;
  private readonly fair: FairGroups;

  constructor(options: RedisBackendOptions) {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    // BullMQ requires maxRetriesPerRequest: null. No offline queue: a command is sent only while
    // connected (boundedCall waits for that within its budget), so one that failed did nothing and
    // nothing piles up to run late when Redis comes back. ioredis reconnects on its own, forever.
    this.client = options.connection ?? new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: false });
    this.ownsClient = options.connection === undefined;
    if (this.ownsClient) this.client.on('error', () => undefined);
    this.names = redisNames(options.prefix ?? 'errand', options.queueName ?? 'jobs');
    this.name = options.connection === undefined ? url.replace(/\/\/[^@/]*@/, '//') : `redis (${this.names.prefix})`;
    this.retention = { ...defaultRetention, ...options.retention };
    this.lockDurationMs = options.lockDurationMs ?? 10_000;
    this.timeSeries = new RedisSeries(this.client, this.names.tasksKey.slice(0, -'tasks'.length));
    this.keyIndex = new KeyIndex(this.client, this.names.keyIndexPrefix, Math.max(this.retention.succeededMs, this.retention.deadMs, this.retention.cancelledMs));
    this.queues = new TaskQueues({ client: this.client, names: this.names, stalledIntervalMs: options.stalledIntervalMs ?? 1_000 });
    this.cancelledJobs = new CancelledJobs(this.client, this.names);
    this.waiter = new WorkWaiter(this.client);
    this.scripts = options.batchScripts === true ? loadBatchScripts(this.client) : undefined;
    this.fair = new FairGroups(this.client);
  }

  async enqueue(jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    if (jobs.length === 0) return [];
    try {
      await this.queues.remember(jobs.map((job) => job.task));
      return jobs.some((job) => job.dedupe !== undefined) ? await this.enqueueInOrder(jobs) : await this.addJobs(jobs);
    } catch (error) {
      throw toBackendError(error);
    }
  }

  /** Adds jobs through BullMQ (one addBulk per task), its deduplication id honoured, then indexes their groups and keys. */
  private async addJobs(jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    const byTask = new Map<string, number[]>();
    jobs.forEach((job, index) => {
      const indexes = byTask.get(job.task) ?? [];
      indexes.push(index);
      byTask.set(job.task, indexes);
    });
    const results: EnqueueResult[] = new Array<EnqueueResult>(jobs.length);
    await Promise.all(
      [...byTask].map(async ([task, indexes]) => {
        const batch = indexes.map((index) => jobs[index]);
        const added = await this.queues.queue(task).addBulk(batch.map((job) => ({ name: task, data: job.payload, opts: bullJobOptions(job, this.retention) })));
        added.forEach((job, position) => {
          const requested = batch[position];
          const id = job.id ?? requested.id;
          results[indexes[position]] = { id, created: id === requested.id };
        });
        // Grouped jobs were stored held: index the new ones, so fair claims release them in turns.
        const held = batch.filter((job, position) => job.group !== undefined && results[indexes[position]]?.created === true);
        if (held.length > 0) await this.fair.hold(this.groupedTask(task), held);
      }),
    );
    await this.keyIndex.add(jobs.flatMap((job, index) => (job.key !== undefined && results[index].created ? [{ id: job.id, key: job.key }] : [])));
    return results;
  }

  /** The jobs enqueued with `key` that are still kept, newest first, from errand's key index (no scan). */
  async findByKey(key: string): Promise<JobRecord[]> {
    try {
      const ids = await this.keyIndex.ids(key);
      const found: JobRecord[] = [];
      const gone: string[] = [];
      for (const id of ids) {
        const job = await this.get(id);
        if (job === undefined) gone.push(id);
        else if (job.key === key) found.push(job);
      }
      await this.keyIndex.drop(key, gone);
      return found;
    } catch (error) {
      throw toBackendError(error);
    }
  }

  /**
   * A batch with dedupe modes other than 'active', one job at a time in order (a later job of the
   * batch may replace an earlier one's payload): see enqueue-with-mode.ts.
   */
  private async enqueueInOrder(jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    const results: EnqueueResult[] = [];
    for (const job of jobs) {
      const queue = this.queues.queue(job.task);
      const add = async (added: NewJob): Promise<EnqueueResult> => {
        const [result] = await this.addJobs([added]);
        return result ?? { id: added.id, created: false };
      };
      const context = {
        client: this.client,
        queue,
        lockKey: `${this.queueKey(job.task)}errand-dedupe-lock:${job.key ?? ''}`,
        read: (id: string) => readJob({ client: this.client, queues: this.queues, cancelledJobs: this.cancelledJobs, queueKey: (task) => this.queueKey(task) }, job.task, id),
        add,
      };
      results.push(job.dedupe === undefined ? await add(job) : await enqueueWithMode(context, job));
    }
    return results;
  }

  async claim(options: ClaimOptions): Promise<ClaimedJob[]> {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      if (options.signal?.aborted === true || options.tasks.length === 0) return [];
      const claimed = await this.claimReady(options);
      if (claimed.length > 0) return claimed;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      const markers = options.tasks.map((task) => `${this.queueKey(task)}marker`);
      await this.waiter.wait(markers, remaining, options.signal);
    }
  }

  /** One pass over the tasks, starting at a rotating one so no task starves the others. */
  private async claimReady(options: ClaimOptions): Promise<ClaimedJob[]> {
    const tasks = options.tasks;
    const start = this.rotation++ % tasks.length;
    const claimed: ClaimedJob[] = [];
    try {
      for (let i = 0; i < tasks.length && claimed.length < options.limit; i++) {
        const task = tasks[(start + i) % tasks.length];
        const worker = this.queues.worker(task, options.leaseMs || this.lockDurationMs);
        await this.takeBackLapsed(task, options.leaseMs || this.lockDurationMs);
        const group = options.groups?.[task];
        if (group !== undefined) await this.fair.release(this.groupedTask(task), options.limit - claimed.length, group.concurrency, Date.now());
        const jobs = await claimFromTask(worker, task, options, options.limit - claimed.length, this.client, (id) => this.names.jobKey(task, id), this.names.cancelRequestedKey, this.scripts);
        for (const { claim, held, cancel } of jobs) {
          this.held.set(claim.jobId, held);
          if (cancel) await this.cancelled(claim);
          else claimed.push(claim);
        }
      }
      return claimed;
    } catch (error) {
      // Jobs claimed before the failure stay locked and lapse back to the queue via the stalled check.
      throw toBackendError(error);
    }
  }

  /**
   * Returns jobs whose lease lapsed to the queue before claiming, at most every half lease (capped at
   * 250 ms) per task: BullMQ's own stalled checker needs two passes of its interval, too slow for a
   * lease measured in hundreds of milliseconds. It still runs, as a backstop for tasks nobody claims.
   */
  private async takeBackLapsed(task: string, leaseMs: number): Promise<void> {
    const now = Date.now();
    if (now - (this.lastLapsedScan.get(task) ?? 0) < Math.min(250, Math.max(10, leaseMs / 2))) return;
    this.lastLapsedScan.set(task, now);
    await takeBackLapsedJobs(this.client, this.queueKey(task), this.names.livenessKeyPrefix);
  }

  /** Where the groups of `task` are kept (errand's keys) and released to (its BullMQ queue). */
  private groupedTask(task: string): GroupedTask {
    return { task, ownPrefix: `${this.names.tasksKey.slice(0, -'tasks'.length)}groups:${task}:`, bullPrefix: this.queueKey(task), queue: this.queues.queue(task) };
  }

  /** Prefix of the keys of the BullMQ queue of `task` (`<prefix>:<queue>:`). */
  private queueKey(task: string): string {
    return `${this.names.prefix}:${this.names.taskQueue(task)}:`;
  }

  /** The task of a job this process holds, else looked up in Redis. */
  private async taskOf(jobId: string): Promise<string | undefined> {
    return this.held.get(jobId)?.task ?? (await this.queues.locate(jobId));
  }

  private async heldJob(lease: Lease): Promise<HeldJob> {
    const held = this.held.get(lease.jobId);
    if (held !== undefined) return held;
    const task = await this.queues.locate(lease.jobId);
    const job = task === undefined ? undefined : await this.queues.job(task, lease.jobId);
    if (task === undefined || job === undefined) throw leaseLost(lease.jobId);
    return { task, job, token: lease.token };
  }

  async heartbeat(leases: readonly Lease[], leaseMs: number): Promise<LeaseStatus[]> {
    if (leases.length === 0) return [];
    try {
      const known: LeaseToRenew[] = [];
      const positions: number[] = [];
      for (const [index, lease] of leases.entries()) {
        const task = await this.taskOf(lease.jobId);
        if (task === undefined) continue;
        known.push({ lockKey: this.names.lockKey(task, lease.jobId), stalledKey: `${this.queueKey(task)}stalled`, jobId: lease.jobId, token: lease.token });
        positions.push(index);
      }
      const statuses: LeaseStatus[] = leases.map(() => 'lost');
      if (known.length === 0) return statuses;
      const answers = await renewLeasesIfHeld(this.client, this.names.cancelRequestedKey, known, leaseMs);
      answers.forEach((answer, i) => {
        statuses[positions[i]] = answer === 2 ? 'cancelled' : answer === 1 ? 'held' : 'lost';
      });
      return statuses;
    } catch (error) {
      throw toBackendError(error);
    }
  }

  async progress(lease: Lease, progress: unknown): Promise<void> {
    const { task } = await this.heldJob(lease);
    const written = await withLease(lease.jobId, () =>
      setProgressIfHeld(this.client, this.names.lockKey(task, lease.jobId), this.names.jobKey(task, lease.jobId), lease.token, JSON.stringify(progress ?? null)),
    );
    if (!written) throw leaseLost(lease.jobId);
  }

  async complete(lease: Lease, result: unknown): Promise<void> {
    const { task, job } = await this.heldJob(lease);
    await withLease(lease.jobId, () => job.moveToCompleted(result === undefined ? null : result, lease.token, false));
    this.forget(lease);
    await this.timeSeries.record([{ jobKey: this.names.jobKey(task, lease.jobId), task, outcome: 'succeeded' }]);
  }

  /**
   * Completions of jobs this process claimed go to errand's batch script, one call per task (BullMQ's
   * moveToFinished, fencing included, run once per job inside it). Others (or all, when the batch
   * script did not load) are sent as separate moveToCompleted calls at once, about one round trip.
   */
  async completeMany(completions: readonly Completion[]): Promise<boolean[]> {
    const stored = new Array<boolean>(completions.length);
    const byTask = new Map<string, { index: number; job: BatchCompletion }[]>();
    const single: Promise<void>[] = [];
    for (const [index, { lease, result }] of completions.entries()) {
      const held = this.held.get(lease.jobId);
      const returnValue = this.scripts === undefined || held === undefined ? undefined : JSON.stringify(result === undefined ? null : result);
      if (held === undefined || returnValue === undefined) {
        single.push(this.completeOne(lease, result).then((ok) => void (stored[index] = ok)));
        continue;
      }
      const group = byTask.get(held.task) ?? [];
      group.push({ index, job: { id: lease.jobId, token: lease.token, returnValue, attempts: held.job.opts.attempts ?? 1, keepJobs: keepJobsOf(held.job.opts.removeOnComplete) } });
      byTask.set(held.task, group);
    }
    const scripts = this.scripts;
    const batches = scripts === undefined ? [] : [...byTask].map(async ([task, group]) => {
      const worker = this.queues.existingWorker(task) ?? this.queues.queue(task);
      let codes: number[];
      try {
        codes = await scripts.complete(completeKeys(worker.keys), worker.keys[''] ?? '', group.map(({ job }) => job));
      } catch (error) {
        throw toBackendError(error);
      }
      group.forEach(({ index, job }, position) => {
        const code = codes[position] ?? -1;
        if (code < 0 && !isLeaseLostCode(code)) throw toBackendError(new Error(`BullMQ moveToFinished answered ${code} for job ${job.id}`));
        stored[index] = code >= 0;
        this.forget({ jobId: job.id, token: job.token, leaseUntil: 0 });
      });
      await this.timeSeries.record(group.filter(({ index }) => stored[index]).map(({ job }) => ({ jobKey: this.names.jobKey(task, job.id), task, outcome: 'succeeded' as const })));
    });
    await Promise.all([...single, ...batches]);
    return stored;
  }

  private async completeOne(lease: Lease, result: unknown): Promise<boolean> {
    try {
      await this.complete(lease, result);
      return true;
    } catch (error) {
      if (isErrandError(error, 'ERRAND_LEASE_LOST')) return false;
      throw error;
    }
  }

  async fail(lease: Lease, options: FailOptions): Promise<void> {
    const { task, job } = await this.heldJob(lease);
    const reason = JSON.stringify(options.error);
    const error = options.retryAt === null ? new Error(reason) : new RetryAtError(reason, options.retryAt);
    // BullMQ skips its retries for errors named UnrecoverableError: errand already decided "dead".
    if (options.retryAt === null) error.name = 'UnrecoverableError';
    error.stack = `${error.name}: ${options.error.title}`;
    const attempt = job.attemptsStarted;
    await withLease(lease.jobId, () => job.moveToFailed(error, lease.token, false));
    this.forget(lease);
    await this.timeSeries.record([{ jobKey: this.names.jobKey(task, lease.jobId), task, outcome: 'failed', ...(options.retryAt === null ? {} : { retryAt: options.retryAt }) }]);
    const at = Date.now();
    const events: JobEvent[] = [{ at, type: 'failed', attempt, message: options.error.title }];
    events.push(options.retryAt === null ? { at, type: 'dead', attempt } : { at, type: 'retrying', attempt, message: new Date(options.retryAt).toISOString() });
    await this.log(task, lease.jobId, events);
  }

  async cancelled(lease: Lease): Promise<void> {
    const { task, job } = await this.heldJob(lease);
    const stop = new Error(JSON.stringify({ type: 'about:blank', title: 'Job cancelled', status: 409, code: 'ERRAND_JOB_CANCELLED' }));
    stop.name = 'UnrecoverableError';
    await withLease(lease.jobId, () => job.moveToFailed(stop, lease.token, false));
    this.forget(lease);
    await this.toTombstone(task, lease.jobId);
  }

  async release(lease: Lease, runAt?: number): Promise<void> {
    const { task, job } = await this.heldJob(lease);
    await withLease(lease.jobId, async () => {
      const held = await uncountAttemptIfHeld(this.client, this.names.lockKey(task, lease.jobId), this.names.jobKey(task, lease.jobId), lease.token);
      if (!held) throw leaseLost(lease.jobId);
      if (runAt !== undefined && runAt > Date.now()) await job.moveToDelayed(runAt, lease.token);
      else await job.moveToWait(lease.token);
    });
    this.forget(lease);
    await this.log(task, lease.jobId, [{ at: Date.now(), type: 'released', attempt: job.attemptsStarted }]);
  }

  private forget(lease: Lease): void {
    if (this.held.get(lease.jobId)?.token === lease.token) this.held.delete(lease.jobId);
  }

  /** Appends rare events to BullMQ's job log (the script skips jobs that no longer exist). */
  private async log(task: string, jobId: string, events: readonly JobEvent[]): Promise<void> {
    const queue = this.queues.queue(task);
    for (const event of events) await Job.addJobLog(queue, jobId, encodeEvent(event), 50);
  }

  /** Moves a finished BullMQ job out of BullMQ into the cancelled records. */
  private async toTombstone(task: string, id: string): Promise<void> {
    const job = await this.queues.job(task, id);
    if (job === undefined) return;
    const logs = (await this.queues.queue(task).getJobLogs(id)).logs;
    const now = Date.now();
    const record = toJobRecord(job, 'cancelled', { logs: [...logs, encodeEvent({ at: now, type: 'cancelled' })] });
    record.finishedAt = now;
    record.updatedAt = now;
    await this.cancelledJobs.save(record);
    await this.queues.queue(task).remove(id);
    await this.client.srem(this.names.cancelRequestedKey, id);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    try {
      return await readJob({ client: this.client, queues: this.queues, cancelledJobs: this.cancelledJobs, queueKey: (task) => this.queueKey(task) }, await this.taskOf(id), id);
    } catch (error) {
      throw toBackendError(error);
    }
  }

  async list(options?: ListOptions): Promise<JobPage> {
    return listJobs(this.queues, this.cancelledJobs, options).catch((error: unknown) => {
      throw toBackendError(error);
    });
  }

  async stats(): Promise<QueueStats> {
    try {
      return await queueStats(this.queues, this.cancelledJobs, (task) => this.queueKey(task));
    } catch (error) {
      throw toBackendError(error);
    }
  }

  async sampleDepth(): Promise<void> {
    try {
      await this.timeSeries.recordDepth(() => queueDepth(this.queues));
    } catch (error) {
      throw toBackendError(error);
    }
  }

  /**
   * Workers with a liveness record (`SCAN` of the record keys, their value the time of the last beat
   * and their `PTTL` when each lapses),
   * and the jobs they hold: the active jobs whose lock token names them (`<uuid>~<workerId>`).
   */
  async workers(): Promise<WorkerInfo[]> {
    try {
      const prefix = this.names.livenessKeyPrefix;
      const now = Date.now();
      const byId = new Map<string, WorkerInfo>();
      let cursor = '0';
      do {
        const [next, keys] = await this.client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
        cursor = next;
        for (const key of keys) {
          const [ttl, value] = await Promise.all([this.client.pttl(key), this.client.get(key)]);
          if (!(ttl > 0)) continue;
          const worker: WorkerInfo = { id: key.slice(prefix.length), aliveUntil: now + ttl, jobs: [] };
          // The beat's time; an older errand wrote '1'.
          const beatAt = Number(value);
          if (beatAt > 1) worker.lastBeatAt = beatAt;
          byId.set(worker.id, worker);
        }
      } while (cursor !== '0');
      if (byId.size === 0) return [];
      for (const task of await this.queues.allTasks()) {
        const active = await this.client.lrange(`${this.queueKey(task)}active`, 0, -1);
        if (active.length === 0) continue;
        const locks = await this.client.mget(active.map((id) => this.names.lockKey(task, id)));
        active.forEach((id, index) => {
          const lock = locks[index];
          const at = lock?.indexOf('~') ?? -1;
          if (lock !== null && lock !== undefined && at >= 0) byId.get(lock.slice(at + 1))?.jobs.push(id);
        });
      }
      return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
    } catch (error) {
      throw toBackendError(error);
    }
  }

  async readSeries(since: number, bucketMs?: number): Promise<JobSeries> {
    return this.timeSeries.read(since, bucketMs).catch((error: unknown) => {
      throw toBackendError(error);
    });
  }

  async cancel(id: string): Promise<boolean> {
    const task = await this.taskOf(id);
    const job = task === undefined ? undefined : await this.queues.job(task, id);
    if (task === undefined || job === undefined) return false;
    const state = (await job.getState());
    if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
    if (state !== 'active') {
      const record = toJobRecord(job, 'cancelled', { logs: (await this.queues.queue(task).getJobLogs(id)).logs });
      record.finishedAt = record.updatedAt = Date.now();
      record.history.push({ at: record.finishedAt, type: 'cancelled' });
      await this.cancelledJobs.save(record);
      // BullMQ refuses to remove a locked job: it was claimed meanwhile, so flag it as running below.
      if ((await this.queues.queue(task).remove(id)) === 1) return true;
      await this.cancelledJobs.delete(id);
    }
    await this.client.sadd(this.names.cancelRequestedKey, id);
    return true;
  }

  async retry(id: string): Promise<boolean> {
    const tombstone = await this.cancelledJobs.get(id);
    if (tombstone !== undefined) {
      const now = Date.now();
      const fresh: NewJob = { id, task: tombstone.task, payload: tombstone.payload, runAt: now, priority: tombstone.priority, maxAttempts: tombstone.maxAttempts, createdAt: now };
      if (tombstone.key !== undefined) fresh.key = tombstone.key;
      await this.cancelledJobs.delete(id);
      await this.enqueue([fresh]);
      await this.log(tombstone.task, id, [{ at: now, type: 'retried' }]);
      return true;
    }
    const task = await this.taskOf(id);
    const job = task === undefined ? undefined : await this.queues.job(task, id);
    if (task === undefined || job === undefined || (await job.getState()) !== 'failed') return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    await this.client.hdel(this.names.jobKey(task, id), 'errand:lapsed');
    await this.log(task, id, [{ at: Date.now(), type: 'retried' }]);
    return true;
  }

  async remove(id: string): Promise<boolean> {
    if (await this.cancelledJobs.delete(id)) return true;
    const task = await this.taskOf(id);
    if (task === undefined) return false;
    return (await this.queues.queue(task).remove(id)) === 1;
  }

  async prune(now: number = Date.now()): Promise<number> {
    let removed = 0;
    for (const task of await this.queues.allTasks()) {
      const queue = this.queues.queue(task);
      // clean() removes jobs finished before Date.now() - grace; shift grace so the cutoff is `now - retention`.
      removed += (await queue.clean(Date.now() - (now - this.retention.succeededMs), 0, 'completed')).length;
      removed += (await queue.clean(Date.now() - (now - this.retention.deadMs), 0, 'failed')).length;
    }
    removed += await this.cancelledJobs.prune(now - this.retention.cancelledMs);
    return removed;
  }

  /**
   * Where a worker's liveness thread writes its record: a connection of its own to the same server,
   * made from this connection's options (host and port or a unix socket path, db, credentials, TLS).
   * Undefined only when those options cannot be handed to a thread (TLS options holding functions,
   * such as a custom `checkServerIdentity`): the worker then relies on its leases alone.
   */
  liveness(commandTimeoutMs = 5_000): LivenessSpec | undefined {
    const { host, port, path, db, username, password, tls, family } = this.client.options;
    const connection: RedisLivenessConfig['connection'] = { db: db ?? 0 };
    if (path !== undefined && path !== null) connection.path = path;
    else Object.assign(connection, { host: host ?? '127.0.0.1', port: port ?? 6379 }, family === undefined ? {} : { family });
    // ioredis keeps absent credentials as null.
    if (typeof username === 'string' && username !== '') connection.username = username;
    if (typeof password === 'string' && password !== '') connection.password = password;
    if (tls !== undefined) connection.tls = tls;
    const config: RedisLivenessConfig = { connection, keyPrefix: this.names.livenessKeyPrefix, commandTimeoutMs };
    try {
      structuredClone(config);
    } catch {
      return undefined;
    }
    return { moduleUrl: new URL(`./liveness-writer${moduleExtension}`, import.meta.url).href, config };
  }

  /** Counts one start in `bucket`'s current fixed window (INCR, expiring with the window): null when within `limit`, else the window's end. */
  async takeRateToken(bucket: string, limit: number, windowMs: number): Promise<number | null> {
    const [count, window] = (await this.client.eval(countInWindow, 1, `${this.names.rateKeyPrefix}${bucket}`, String(windowMs), String(windowMs * 2))) as [number, string];
    return rateRetryAt(Number(count), limit, Number(window), windowMs);
  }

  /** The hash holding this queue's schedules. */
  get schedulesKey(): string {
    return this.names.schedulesKey;
  }

  get connection(): Redis {
    return this.client;
  }

  /** Closes within `timeoutMs`: past it (Redis frozen or gone) an owned connection is dropped. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.waiter.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.queues.close(), late]);
    if (this.ownsClient) await Promise.race([this.client.quit().catch(() => undefined), late]);
    clearTimeout(timer);
    if (this.ownsClient) this.client.disconnect();
  }
}
