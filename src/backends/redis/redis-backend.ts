import { Redis } from 'ioredis';
import { isErrandError } from '../../errors/errand-error.js';
import type { ClaimedJob, ClaimOptions, Completion, FailOptions, JobBackend, JobPage, Lease, LeaseStatus, ListOptions, LivenessSpec, QueueStats, RetentionOptions } from '../../jobs/backend.js';
import type { EnqueueResult, JobEvent, JobRecord, NewJob } from '../../jobs/job.js';
import type { JobSeries, WorkerInfo } from '../../jobs/job-series.js';
import { CancelledJobs } from './cancelled-jobs.js';
import { isLeaseLostCode, leaseLost, mapBackendErrors, toBackendError, withLease } from './lease-errors.js';
import { setProgressIfHeld, takeBackLapsedJobs } from './lua-scripts.js';
import { cancelRequested, releaseJob } from './release-job.js';
import { sendBackOutOfTurn } from './stalled-grouped.js';
import { renewLeases } from './renew-leases.js';
import { listJobs, queueDepth, queueStats } from './redis-listing.js';
import { redisNames, type RedisNames } from './redis-names.js';
import { claimFromTask, type HeldJob } from './claim-from-task.js';
import { completeKeys, loadBatchScripts, type BatchCompletion, type BatchScripts } from './batch-scripts.js';
import { RetryAtError, TaskQueues } from './task-queues.js';
import { WorkWaiter } from './wait-for-work.js';
import { keepJobsOf, type RedisBackendOptions } from './redis-backend-options.js';
import { readJob } from './read-job.js';
import { RedisSeries } from './redis-series.js';
import { KeyIndex } from './key-index.js';
import { FairGroups, heldDelayMs } from './fair-groups.js';
import { defaultRetention } from '../../jobs/backend-errors.js';
import { boundedCall } from './bounded-call.js';
import { boundedClaim } from './bounded-claim.js';
import { boundedSchedules, createRedisScheduleStore } from './redis-schedules.js';
import { groupedTaskOf, queueKeyOf, type RedisContext } from './redis-context.js';
import { enqueueJobs } from './enqueue-jobs.js';
import { takeRateToken } from './rate-tokens.js';
import { listWorkers } from './redis-workers.js';
import { livenessSpec } from './liveness-spec.js';
import { logJobEvents } from './job-log.js';
import { cancelJob, pruneJobs, removeJob, retryJob, toTombstone, type ManageContext } from './manage-jobs.js';

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
  const bounded = <T>(what: string, operation: () => Promise<T>): Promise<T> => boundedCall(client, timeoutMs, what, operation);
  return {
    name: backend.name,
    enqueue: (jobs) => bounded('enqueue', () => backend.enqueue(jobs)),
    claim: (claimOptions) => boundedClaim(backend, client, timeoutMs + Math.max(0, claimOptions.waitMs), claimOptions),
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
  /** The parts the storage modules share (enqueue-jobs.ts, manage-jobs.ts…). */
  private readonly context: ManageContext;

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
    this.timeSeries = new RedisSeries(this.client, this.names.tasksKey.slice(0, -'tasks'.length), this.names.cancelRequestedKey);
    this.keyIndex = new KeyIndex(this.client, this.names.keyIndexPrefix, Math.max(this.retention.succeededMs, this.retention.deadMs, this.retention.cancelledMs));
    this.queues = new TaskQueues({ client: this.client, names: this.names, stalledIntervalMs: options.stalledIntervalMs ?? 1_000 });
    this.cancelledJobs = new CancelledJobs(this.client, this.names);
    this.waiter = new WorkWaiter(this.client);
    this.scripts = options.batchScripts === true ? loadBatchScripts(this.client) : undefined;
    this.fair = new FairGroups(this.client);
    const shared: RedisContext = { client: this.client, names: this.names, queues: this.queues, cancelledJobs: this.cancelledJobs, keyIndex: this.keyIndex, fair: this.fair, retention: this.retention };
    this.context = { ...shared, taskOf: (id) => this.taskOf(id), enqueue: (jobs) => this.enqueue(jobs) };
  }

  async enqueue(jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    return mapBackendErrors(enqueueJobs(this.context, jobs));
  }

  /** The jobs enqueued with `key` that are still kept, newest first, from errand's key index (no scan). */
  async findByKey(key: string): Promise<JobRecord[]> {
    return mapBackendErrors(this.keyIndex.jobs(key, (id) => this.get(id)));
  }

  async claim(options: ClaimOptions): Promise<ClaimedJob[]> {
    const deadline = Date.now() + options.waitMs;
    this.waiter.open();
    for (;;) {
      if (options.signal?.aborted === true || options.tasks.length === 0) return [];
      const claimedAt = Date.now();
      const claimed = await this.claimReady(options);
      if (claimed.length > 0) return claimed;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await this.waiter.wait(options.tasks.map((task) => this.queueKey(task)), remaining, claimedAt, options.signal);
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
        if (group !== undefined) await this.fair.release(groupedTaskOf(this.context, task), options.limit - claimed.length, group.concurrency, Date.now());
        const jobs = await claimFromTask(worker, task, options, options.limit - claimed.length, this.client, (id) => this.names.jobKey(task, id), this.names.cancelRequestedKey, this.scripts);
        for (const { claim, held, cancel } of jobs) {
          this.held.set(claim.jobId, held);
          if (cancel) await this.cancelled(claim);
          else if (await sendBackOutOfTurn(this.context, held)) this.forget(claim);
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
    const where = { livenessKeyPrefix: this.names.livenessKeyPrefix, cancelRequestedKey: this.names.cancelRequestedKey, groupPrefix: groupedTaskOf(this.context, task).ownPrefix };
    await takeBackLapsedJobs(this.client, this.queueKey(task), where);
  }

  private queueKey(task: string): string {
    return queueKeyOf(this.names, task);
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
    return renewLeases(this.context, leases, leaseMs).catch((error: unknown) => {
      throw toBackendError(error);
    });
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
    await this.recordSucceeded(task, [lease.jobId]);
  }

  /** Adds succeeded attempts to the series; the same script drops the cancel flags of their jobs (a cancel that lost to the end). */
  private async recordSucceeded(task: string, ids: readonly string[]): Promise<void> {
    await this.timeSeries.record(ids.map((id) => ({ jobKey: this.names.jobKey(task, id), task, outcome: 'succeeded' as const, ended: id })));
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
      await this.recordSucceeded(task, group.filter(({ index }) => stored[index]).map(({ job }) => job.id));
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
    const retryAt = options.retryAt;
    // A grouped job's retry waits for its group's turn, as a new job of the group does.
    const grouped = groupedTaskOf(this.context, task);
    const group = retryAt === null ? undefined : await this.fair.groupOf(grouped, lease.jobId);
    const error = retryAt === null ? new Error(reason) : new RetryAtError(reason, retryAt, group === undefined ? 0 : heldDelayMs);
    // BullMQ skips its retries for errors named UnrecoverableError: errand already decided "dead".
    if (retryAt === null) error.name = 'UnrecoverableError';
    error.stack = `${error.name}: ${options.error.title}`;
    const attempt = job.attemptsStarted;
    const moveToFailed = async (): Promise<void> => {
      await withLease(lease.jobId, () => job.moveToFailed(error, lease.token, false));
    };
    if (group === undefined || retryAt === null) await moveToFailed();
    else await this.fair.holdAgain(grouped, { id: lease.jobId, group, priority: job.opts.priority ?? 0, runAt: retryAt }, moveToFailed);
    this.forget(lease);
    // A dead job's cancel flag ends with it; a retry's stays, so the claim of the retry ends it cancelled.
    await this.timeSeries.record([{ jobKey: this.names.jobKey(task, lease.jobId), task, outcome: 'failed', ...(options.retryAt === null ? { ended: lease.jobId } : { retryAt: options.retryAt }) }]);
    const at = Date.now();
    const events: JobEvent[] = [{ at, type: 'failed', attempt, message: options.error.title }];
    events.push(options.retryAt === null ? { at, type: 'dead', attempt } : { at, type: 'retrying', attempt, message: new Date(options.retryAt).toISOString() });
    await logJobEvents(this.queues, task, lease.jobId, events);
  }

  async cancelled(lease: Lease): Promise<void> {
    const { task, job } = await this.heldJob(lease);
    const stop = new Error(JSON.stringify({ type: 'about:blank', title: 'Job cancelled', status: 409, code: 'ERRAND_JOB_CANCELLED' }));
    stop.name = 'UnrecoverableError';
    await withLease(lease.jobId, () => job.moveToFailed(stop, lease.token, false));
    this.forget(lease);
    await toTombstone(this.context, task, lease.jobId);
  }

  async release(lease: Lease, runAt?: number): Promise<void> {
    const held = await this.heldJob(lease);
    // A job whose cancellation was requested is not handed to another worker: it ends cancelled.
    if (await cancelRequested(this.context, lease.jobId)) return this.cancelled(lease);
    await releaseJob(this.context, held, lease, runAt, () => this.forget(lease));
  }

  private forget(lease: Lease): void {
    if (this.held.get(lease.jobId)?.token === lease.token) this.held.delete(lease.jobId);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const reading = { client: this.client, queues: this.queues, cancelledJobs: this.cancelledJobs, queueKey: (task: string) => this.queueKey(task) };
    return mapBackendErrors(this.taskOf(id).then((task) => readJob(reading, task, id)));
  }

  async list(options?: ListOptions): Promise<JobPage> {
    return mapBackendErrors(listJobs(this.queues, this.cancelledJobs, options));
  }

  async stats(): Promise<QueueStats> {
    return mapBackendErrors(queueStats(this.queues, this.cancelledJobs, (task) => this.queueKey(task)));
  }

  async sampleDepth(): Promise<void> {
    return mapBackendErrors(this.timeSeries.recordDepth(() => queueDepth(this.queues)));
  }

  async workers(): Promise<WorkerInfo[]> {
    return mapBackendErrors(listWorkers(this.context));
  }

  async readSeries(since: number, bucketMs?: number): Promise<JobSeries> {
    return mapBackendErrors(this.timeSeries.read(since, bucketMs));
  }

  async cancel(id: string): Promise<boolean> {
    return cancelJob(this.context, id);
  }

  async retry(id: string): Promise<boolean> {
    return retryJob(this.context, id);
  }

  async remove(id: string): Promise<boolean> {
    return removeJob(this.context, id);
  }

  async prune(now: number = Date.now()): Promise<number> {
    return pruneJobs(this.context, now);
  }

  /** Where a worker's liveness thread writes its record (see liveness-spec.ts). */
  liveness(commandTimeoutMs = 5_000): LivenessSpec | undefined {
    return livenessSpec(this.client, this.names.livenessKeyPrefix, commandTimeoutMs);
  }

  async takeRateToken(bucket: string, limit: number, windowMs: number): Promise<number | null> {
    return takeRateToken(this.client, this.names, bucket, limit, windowMs);
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
