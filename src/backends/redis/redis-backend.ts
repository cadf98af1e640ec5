import { Redis } from 'ioredis';
import type { ClaimedJob, ClaimOptions, Completion, FailOptions, JobBackend, JobPage, Lease, LeaseStatus, ListOptions, LivenessSpec, QueueStats } from '../../jobs/backend.js';
import type { EnqueueResult, JobRecord, NewJob } from '../../jobs/job.js';
import type { JobSeries, WorkerInfo } from '../../jobs/job-series.js';
import { defaultRetention } from '../../jobs/backend-errors.js';
import { loadBatchScripts } from './batch-scripts.js';
import { boundedCall } from './bounded-call.js';
import { boundedClaim } from './bounded-claim.js';
import { CancelledJobs } from './cancelled-jobs.js';
import { completeJob, completeJobs } from './complete-jobs.js';
import { endCancelled } from './end-cancelled.js';
import { enqueueJobs } from './enqueue-jobs.js';
import { failJob } from './fail-job.js';
import { FairGroups } from './fair-groups.js';
import { HeldJobs } from './held-jobs.js';
import { JobClaimer } from './job-claimer.js';
import { KeyIndex } from './key-index.js';
import type { LeaseContext } from './lease-context.js';
import { leaseLost, mapBackendErrors, toBackendError, withLease } from './lease-errors.js';
import { livenessSpec } from './liveness-spec.js';
import { setProgressIfHeld } from './lua-scripts.js';
import { cancelJob, pruneJobs, removeJob, retryJob } from './manage-jobs.js';
import { takeRateToken } from './rate-tokens.js';
import type { RedisBackendOptions } from './redis-backend-options.js';
import { queueKeyOf, type RedisContext } from './redis-context.js';
import { listJobs, queueDepth, queueStats } from './redis-listing.js';
import { redisNames, type RedisNames } from './redis-names.js';
import { boundedSchedules, createRedisScheduleStore } from './redis-schedules.js';
import { RedisSeries } from './redis-series.js';
import { listWorkers } from './redis-workers.js';
import { readJob } from './read-job.js';
import { cancelRequested, releaseJob } from './release-job.js';
import { renewLeases } from './renew-leases.js';
import { TaskQueues } from './task-queues.js';
import { WorkWaiter } from './wait-for-work.js';

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
  private readonly queues: TaskQueues;
  private readonly waiter: WorkWaiter;
  /** The parts the storage modules share (enqueue-jobs.ts, manage-jobs.ts, complete-jobs.ts…). */
  private readonly context: LeaseContext;
  private readonly claimer: JobClaimer;

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
    const retention = { ...defaultRetention, ...options.retention };
    const series = new RedisSeries(this.client, this.names.tasksKey.slice(0, -'tasks'.length), this.names.cancelRequestedKey);
    const keyIndex = new KeyIndex(this.client, this.names.keyIndexPrefix, Math.max(retention.succeededMs, retention.deadMs, retention.cancelledMs));
    this.queues = new TaskQueues({ client: this.client, names: this.names, stalledIntervalMs: options.stalledIntervalMs ?? 1_000 });
    const cancelledJobs = new CancelledJobs(this.client, this.names);
    this.waiter = new WorkWaiter(this.client);
    const scripts = options.batchScripts === true ? loadBatchScripts(this.client) : undefined;
    const held = new HeldJobs(this.queues);
    const shared: RedisContext = { client: this.client, names: this.names, queues: this.queues, cancelledJobs, keyIndex, fair: new FairGroups(this.client), retention };
    this.context = { ...shared, held, series, scripts, taskOf: (id) => held.taskOf(id), enqueue: (jobs) => this.enqueue(jobs) };
    this.claimer = new JobClaimer(this.context, this.waiter, options.lockDurationMs ?? 10_000);
  }

  async enqueue(jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    return mapBackendErrors(enqueueJobs(this.context, jobs));
  }

  /** The jobs enqueued with `key` that are still kept, newest first, from errand's key index (no scan). */
  async findByKey(key: string): Promise<JobRecord[]> {
    return mapBackendErrors(this.context.keyIndex.jobs(key, (id) => this.get(id)));
  }

  async claim(options: ClaimOptions): Promise<ClaimedJob[]> {
    return this.claimer.claim(options);
  }

  async heartbeat(leases: readonly Lease[], leaseMs: number): Promise<LeaseStatus[]> {
    return renewLeases(this.context, leases, leaseMs).catch((error: unknown) => {
      throw toBackendError(error);
    });
  }

  async progress(lease: Lease, progress: unknown): Promise<void> {
    const { task } = await this.context.held.of(lease);
    const written = await withLease(lease.jobId, () =>
      setProgressIfHeld(this.client, this.names.lockKey(task, lease.jobId), this.names.jobKey(task, lease.jobId), lease.token, JSON.stringify(progress ?? null)),
    );
    if (!written) throw leaseLost(lease.jobId);
  }

  async complete(lease: Lease, result: unknown): Promise<void> {
    return completeJob(this.context, lease, result);
  }

  async completeMany(completions: readonly Completion[]): Promise<boolean[]> {
    return completeJobs(this.context, completions);
  }

  async fail(lease: Lease, options: FailOptions): Promise<void> {
    return failJob(this.context, lease, options);
  }

  async cancelled(lease: Lease): Promise<void> {
    return endCancelled(this.context, lease);
  }

  async release(lease: Lease, runAt?: number): Promise<void> {
    const held = await this.context.held.of(lease);
    // A job whose cancellation was requested is not handed to another worker: it ends cancelled.
    if (await cancelRequested(this.context, lease.jobId)) return this.cancelled(lease);
    await releaseJob(this.context, held, lease, runAt, () => this.context.held.forget(lease));
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const reading = { client: this.client, queues: this.queues, cancelledJobs: this.context.cancelledJobs, queueKey: (task: string) => queueKeyOf(this.names, task) };
    return mapBackendErrors(this.context.held.taskOf(id).then((task) => readJob(reading, task, id)));
  }

  async list(options?: ListOptions): Promise<JobPage> {
    return mapBackendErrors(listJobs(this.queues, this.context.cancelledJobs, options));
  }

  async stats(): Promise<QueueStats> {
    return mapBackendErrors(queueStats(this.queues, this.context.cancelledJobs, (task) => queueKeyOf(this.names, task)));
  }

  async sampleDepth(): Promise<void> {
    return mapBackendErrors(this.context.series.recordDepth(() => queueDepth(this.queues)));
  }

  async workers(): Promise<WorkerInfo[]> {
    return mapBackendErrors(listWorkers(this.context));
  }

  async readSeries(since: number, bucketMs?: number): Promise<JobSeries> {
    return mapBackendErrors(this.context.series.read(since, bucketMs));
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
