import type { ProblemDetails } from '../errors/problem-details.js';
import type { EnqueueResult, JobMeta, JobRecord, JobState, NewJob } from './job.js';
import type { JobSeries, WorkerInfo } from './job-series.js';
import type { ScheduleStore } from './schedule-store.js';

/**
 * A claimed job: the right to run one attempt until `leaseUntil`. Every call that changes the job
 * afterwards presents `token`; a backend rejects a token that is no longer current (the lease
 * expired and the job was claimed again) with `ErrandError('ERRAND_LEASE_LOST')`. That is the
 * fencing that keeps a stale worker from completing a job twice.
 */
export interface Lease {
  jobId: string;
  /** Fencing token, unique per claim. */
  token: string;
  /** Epoch ms at which the lease lapses unless extended. */
  leaseUntil: number;
}

/** A job handed to a worker by `claim`. */
export interface ClaimedJob extends Lease {
  task: string;
  payload: unknown;
  /** The attempt being started, 1-based. */
  attempt: number;
  maxAttempts: number;
  createdAt: number;
  /** The headers stored at enqueue ({@link NewJob.meta}), when there were any. */
  meta?: JobMeta;
}

/** Options of `claim`. */
export interface ClaimOptions {
  /** Identifies the claiming worker in history and dashboards. */
  workerId: string;
  /** Only claim jobs of these tasks (the ones with free capacity in this worker). */
  tasks: readonly string[];
  /** At most this many jobs. */
  limit: number;
  /** Lease length in ms. */
  leaseMs: number;
  /** Wait up to this long for a job when none is ready (0: answer at once). */
  waitMs: number;
  /** Aborts the wait (worker shutdown, or capacity freed for other tasks): `claim` then resolves, usually with `[]`; it does not reject. */
  signal?: AbortSignal;
  /**
   * The claiming worker keeps a liveness record (it beats through the backend's `liveness()` writer):
   * its jobs may be taken back as soon as that record lapses, before their leases end. A backend
   * may also find a worker's record without this flag (SQLite joins on `workerId`). @default false
   */
  liveness?: boolean;
  /**
   * Tasks among `tasks` whose jobs are claimed by group (docs/jobs.md, "Fair queues"): among ready
   * jobs of the same priority, the groups of a task take turns (the group served least recently
   * first), and no group has more than `concurrency` jobs running across all workers. Jobs of these
   * tasks stored without a group are still claimed (at the latest once no grouped job of the task is
   * queued). A claim naming grouped and ungrouped tasks takes the grouped jobs first. @default none
   */
  groups?: Readonly<Record<string, GroupClaim>>;
}

/** How one task's groups are claimed (see {@link ClaimOptions.groups}). */
export interface GroupClaim {
  /** Most jobs of one group running at once across all workers. @default Infinity */
  concurrency?: number;
}

/**
 * Writes one worker's liveness record, from the worker's liveness thread (its own event loop and its
 * own connection). Records are separate from job leases: a worker beats every ~0.5 s whatever it runs.
 */
export interface LivenessWriter {
  /** Records that `workerId` is alive until now + `ttlMs`. */
  beat(workerId: string, ttlMs: number): Promise<void> | void;
  /** Deletes the record (the worker stopped cleanly, holding no job). */
  forget(workerId: string): Promise<void> | void;
  /** Closes the writer's connection. */
  close(): Promise<void> | void;
}

/** What the module named by {@link LivenessSpec.moduleUrl} exports. */
export interface LivenessWriterModule {
  createLivenessWriter(config: unknown): LivenessWriter | Promise<LivenessWriter>;
}

/** Where a liveness thread finds a backend's writer: a module it can import and a structured-cloneable config. */
export interface LivenessSpec {
  /** `import.meta.url`-style URL of a module exporting `createLivenessWriter`. */
  moduleUrl: string;
  config: unknown;
}

/** One completion handed to `completeMany`. */
export interface Completion {
  lease: Lease;
  result: unknown;
}

/** How a failed attempt ends. */
export interface FailOptions {
  /** The error, rendered as a problem object. */
  error: ProblemDetails;
  /** Epoch ms of the next attempt, or `null` when the job is dead (no attempts left, unrecoverable). */
  retryAt: number | null;
}

/** What `heartbeat` learns about one lease. */
export type LeaseStatus = 'held' | 'lost' | 'cancelled';

/**
 * The app's own open database transaction, as given to `queue.enqueue(task, payload, { tx })`. The
 * queue does not look inside; the backend recognises the kinds it can write through (Postgres: a
 * node-postgres client inside BEGIN, a Kysely or Drizzle transaction; SQLite: the app's database
 * handle inside a transaction) and refuses others with ERRAND_TX_UNSUPPORTED.
 */
export type AppTransaction = object;

/** Filters and paging of `list`. */
export interface ListOptions {
  state?: JobState;
  task?: string;
  /** Default 50. */
  limit?: number;
  /** Default 0. */
  offset?: number;
}

/** A page of jobs, newest first. */
export interface JobPage {
  jobs: JobRecord[];
  total: number;
}

/** Queue statistics for dashboards, alerting and metrics. */
export interface QueueStats {
  /** Jobs in each state. */
  counts: Record<JobState, number>;
  /** Jobs in each state, per task name. */
  byTask: Record<string, Partial<Record<JobState, number>>>;
  /** Epoch ms of the oldest job ready to run but not yet claimed, if any. */
  oldestQueuedAt?: number;
}

/** How long finished jobs are kept before `prune` removes them. */
export interface RetentionOptions {
  /** @default 86_400_000 (one day) */
  succeededMs?: number;
  /** @default 604_800_000 (seven days) */
  deadMs?: number;
  /** @default 86_400_000 (one day) */
  cancelledMs?: number;
}

/**
 * The storage contract of durable jobs, designed from queue semantics. A backend implements it and
 * passes the conformance suite in `src/testing/`. All times are epoch milliseconds.
 */
export interface JobBackend {
  /** Human name for logs (`memory`, `sqlite:/path`, `redis://host`). */
  readonly name: string;

  /** Stores new jobs atomically, honouring dedupe keys. One result per job, in order. */
  enqueue(jobs: readonly NewJob[]): Promise<EnqueueResult[]>;

  /**
   * Optional: stores jobs with the app's open transaction `tx`, so they exist if and only if it
   * commits (workers see them only after COMMIT, never after ROLLBACK). Same results as `enqueue`.
   * The work on `tx` must start before this call returns (a synchronous SQLite transaction ends
   * when its callback returns). Backends without it make `enqueue(…, { tx })` fail with
   * ERRAND_TX_UNSUPPORTED.
   */
  enqueueInTransaction?(tx: AppTransaction, jobs: readonly NewJob[]): Promise<EnqueueResult[]>;

  /**
   * Claims up to `limit` ready jobs: queued ones whose `runAt` has passed (priority, then `runAt`,
   * then insertion order), and running ones whose lease lapsed (their attempt ends as failed with
   * `ERRAND_LEASE_EXPIRED`, and they run again while attempts remain). Starts an attempt on each.
   */
  claim(options: ClaimOptions): Promise<ClaimedJob[]>;

  /** Extends leases still held; tells which were lost or cancelled meanwhile. One status per lease. */
  heartbeat(leases: readonly Lease[], leaseMs: number): Promise<LeaseStatus[]>;

  /** Records progress for a held lease. Rejects a stale lease with ERRAND_LEASE_LOST. */
  progress(lease: Lease, progress: unknown): Promise<void>;

  /** Marks the job succeeded with its result. Rejects a stale lease with ERRAND_LEASE_LOST. */
  complete(lease: Lease, result: unknown): Promise<void>;

  /**
   * Optional batch form of `complete` (one round trip for many jobs); the worker uses it when present.
   * Does not reject for stale leases: answers, per completion and in order, `true` when stored and
   * `false` when the lease was lost (where `complete` would have rejected with ERRAND_LEASE_LOST).
   */
  completeMany?(completions: readonly Completion[]): Promise<boolean[]>;

  /** Ends the attempt as failed: retrying at `retryAt`, or dead. Rejects a stale lease. */
  fail(lease: Lease, options: FailOptions): Promise<void>;

  /** Ends an attempt that was cancelled while running: the job becomes cancelled. */
  cancelled(lease: Lease): Promise<void>;

  /**
   * Gives a job back without counting the attempt (graceful shutdown). With `runAt` (epoch ms), it
   * waits until then (delayed), as a job over its task's rate limit does; rejects a stale lease.
   */
  release(lease: Lease, runAt?: number): Promise<void>;

  /**
   * Optional rate-limit counter, shared by every worker of the backend: counts one start in the
   * fixed window `floor(now / windowMs)` of `bucket`, and answers null when at most `limit` starts
   * were counted in it, else when to try again: `rateRetryAt(count, limit, window, windowMs)` (the
   * overflow spread over the next windows, `limit` per window). A backend may read the window from its
   * own clock when the count is applied instead of `now` (Postgres does). Tasks with a `rateLimit` need it.
   */
  takeRateToken?(bucket: string, limit: number, windowMs: number, now: number): Promise<number | null>;

  /** Reads one job, or undefined when no job has this id. */
  get(id: string): Promise<JobRecord | undefined>;

  /** Lists jobs, newest first. */
  list(options?: ListOptions): Promise<JobPage>;

  /** Counts jobs by state and task. */
  stats(): Promise<QueueStats>;

  /**
   * Cancels an unfinished job. Queued, delayed and retrying jobs become cancelled at once; a running
   * job is flagged and its worker learns it at the next heartbeat. False if the job is finished or
   * unknown.
   */
  cancel(id: string): Promise<boolean>;

  /** Moves a dead or cancelled job back to queued with a fresh set of attempts. False otherwise. */
  retry(id: string): Promise<boolean>;

  /** Deletes a job that is not running. False when unknown or running. */
  remove(id: string): Promise<boolean>;

  /** Deletes finished jobs older than their retention. Returns how many were removed. */
  prune(now?: number): Promise<number>;

  /** Releases connections and timers. */
  close(): Promise<void>;

  /**
   * Optional worker liveness. When present, a worker runs the returned writer in a thread of its own
   * and claims with `liveness: true`; `claim` must then take back (as a lapsed lease: the attempt
   * fails with ERRAND_LEASE_EXPIRED, fencing rejects the old holder) every running job whose worker's
   * record lapsed, at once, while a job whose worker still beats keeps its lease however long it runs.
   * `undefined` when this instance cannot offer it (a private in-memory database).
   */
  liveness?(): LivenessSpec | undefined;

  /**
   * Optional: the bounded time series of ended attempts (per minute and task, summed into buckets of
   * `bucketMs`, a multiple of 60 000 that defaults to it) and the queue depth samples (per minute,
   * see `sampleDepth`) from `since` (epoch ms) on, oldest first; see `job-series.ts`. Kept as attempts
   * end, never by scanning jobs. Every bundled backend has it; the dashboard's charts and per-task
   * figures use it.
   */
  series?(since: number, bucketMs?: number): Promise<JobSeries>;

  /**
   * Optional, for backends with `series()`: stores this minute's queue depth sample (jobs ready and
   * not claimed, jobs running) unless the minute has one already, so calling it again in the same
   * minute, from any process, costs a lookup and changes nothing. Every worker calls it once a minute,
   * so the depth chart has a point per minute whether or not anyone looks (`stats()` is a read and
   * stores nothing). Counts through indexes, never by scanning finished jobs.
   */
  sampleDepth?(): Promise<void>;

  /**
   * The jobs whose dedupe key is `key`, newest first (at most 50), finished ones too while kept: the
   * dashboard's search. Through an index of keys (or a bounded list per key), never a scan of the jobs.
   */
  findByKey(key: string): Promise<JobRecord[]>;

  /** Optional: the workers whose liveness record has not lapsed, with the jobs they hold (backends with liveness records). */
  workers?(): Promise<WorkerInfo[]>;

  /** Optional schedule storage (every bundled backend has it); workers tick schedules through it. See docs/schedules.md. */
  readonly schedules?: ScheduleStore;
}
