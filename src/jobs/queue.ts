import { ErrandError } from '../errors/errand-error.js';
import { enqueueTraceMeta } from '../tracing/job-spans.js';
import type { AppTransaction, JobBackend, JobPage, ListOptions, QueueStats } from './backend.js';
import { groupOf } from './group-of.js';
import { enqueueOutcomeOf, jobDedupeOf, type DedupeOption, type EnqueueOutcome } from './dedupe.js';
import { jobId } from './job-id.js';
import { isThenable, parsePayload } from './parse-payload.js';
import type { EnqueueResult, JobRecord, NewJob } from './job.js';
import type { StoredSchedule } from './schedule-store.js';
import { scheduleStoreOf } from './scheduler.js';
import { storeFailure } from './unstorable-payload.js';
import { nextTick } from './schedule-ticks.js';
import type { AnyTask, EnqueueOptions, Enqueuer, JobId, TaskInput, TaskResult } from './task-definition.js';

/** Highest priority number a backend must accept (BullMQ's limit). */
export const maxPriority = 2_097_152;

/** Options of {@link createQueue}. */
export interface QueueOptions {
  /** Where jobs are stored. */
  backend: JobBackend;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** One item of {@link Queue.enqueueMany}: a task and a payload of its {@link TaskInput} type. */
export interface EnqueueItem<Task extends AnyTask = AnyTask> {
  task: Task;
  payload: TaskInput<Task>;
  options?: EnqueueOptions;
}

/**
 * The items of one {@link Queue.enqueueMany} call: each payload is checked against its own task,
 * so one call can enqueue jobs of different tasks (an array literal; no `as const` needed).
 */
export type EnqueueItems<Tasks extends readonly AnyTask[]> = { readonly [K in keyof Tasks]: EnqueueItem<Tasks[K]> };

/** Options of {@link Queue.enqueueMany} that apply to the whole call. */
export interface EnqueueManyOptions {
  /**
   * The app's open database transaction: every job is stored with it, so all of them exist if and
   * only if it commits (workers see none before COMMIT, and none after ROLLBACK). The same kinds of
   * transaction as `enqueue(…, { tx })` takes; one backend call, one statement on Postgres. Items
   * may also name it in their own options, as long as they all name this one.
   * @example await queue.enqueueMany(lines.map((line) => ({ task: shipLine, payload: line })), { tx: client })
   */
  tx?: AppTransaction;
}

/** The ids `enqueueMany` resolves to, each remembering its task's result type. */
export type EnqueuedIds<Tasks extends readonly AnyTask[]> = { -readonly [K in keyof Tasks]: JobId<TaskResult<Tasks[K]>> };

/** What {@link Queue.enqueueManyWithOutcome} resolves to: one {@link Enqueued} per item, in order, each id remembering its task's result type. */
export type EnqueuedOutcomes<Tasks extends readonly AnyTask[]> = { -readonly [K in keyof Tasks]: Enqueued<TaskResult<Tasks[K]>> };

/** What {@link Queue.enqueueWithOutcome} answers: the job's id, and what the enqueue did (see {@link EnqueueOutcome}). */
export interface Enqueued<Result = unknown> {
  /** The new job's id (`'stored'`), else the existing job's that holds the key (`'dropped'`) or took the payload (`'replaced'`, `'debounced'`). */
  id: JobId<Result>;
  outcome: EnqueueOutcome;
}

/** The producer side of durable jobs, and the reads and actions of dashboards and the CLI. */
export interface Queue extends Enqueuer {
  readonly backend: JobBackend;
  /** Validates the payload, stores a job and resolves to its id (an existing job's id when `key` deduplicates). */
  enqueue<Task extends AnyTask>(task: Task, payload: TaskInput<Task>, options?: EnqueueOptions): Promise<JobId<TaskResult<Task>>>;
  /**
   * As {@link Queue.enqueue}, and says what the enqueue did with a `key`: `'stored'` a new job,
   * `'dropped'` (nothing stored; `id` is the job holding the key), `'replaced'` or `'debounced'`
   * (the waiting job `id` took the payload). Without a key the outcome is always `'stored'`.
   *
   * @example
   * const { id, outcome } = await queue.enqueueWithOutcome(reindex, { userId }, { key: `reindex:${userId}`, dedupe: 'queued' })
   * if (outcome === 'dropped') log.info(`reindex already waiting as ${id}`)
   */
  enqueueWithOutcome<Task extends AnyTask>(task: Task, payload: TaskInput<Task>, options?: EnqueueOptions): Promise<Enqueued<TaskResult<Task>>>;
  /**
   * Validates every payload, then stores all jobs in one backend call. Ids in the same order. With
   * `tx`, the jobs are written by the app's open transaction: all or none, at its COMMIT.
   */
  enqueueMany<Tasks extends readonly AnyTask[] | []>(items: EnqueueItems<Tasks>, options?: EnqueueManyOptions): Promise<EnqueuedIds<Tasks>>;
  /**
   * As {@link Queue.enqueueMany} (same arguments, one backend call), and says what each item did, as
   * {@link Queue.enqueueWithOutcome} does for one: `{ id, outcome }` per item, in order. Items are
   * applied in order, so a later item with the key of an earlier one is `'dropped'` for it, or
   * `'replaced'` / `'debounced'` its payload (its `id` is then the earlier one's).
   *
   * @example
   * const done = await queue.enqueueManyWithOutcome(users.map((user) => ({ task: reindex, payload: { userId: user.id }, options: { key: `reindex:${user.id}`, dedupe: 'queued' } })))
   * const skipped = done.filter(({ outcome }) => outcome === 'dropped').length
   */
  enqueueManyWithOutcome<Tasks extends readonly AnyTask[] | []>(items: EnqueueItems<Tasks>, options?: EnqueueManyOptions): Promise<EnqueuedOutcomes<Tasks>>;
  /** The job, or undefined when no job has this id. An id from `enqueue` types `result` as its handler's. */
  get<Result>(id: JobId<Result>): Promise<JobRecord<Result> | undefined>;
  get(id: string): Promise<JobRecord | undefined>;
  list(options?: ListOptions): Promise<JobPage>;
  stats(): Promise<QueueStats>;
  /** Cancels an unfinished job (a running one at its worker's next heartbeat). False when already finished. Throws ERRAND_JOB_NOT_FOUND. */
  cancel(id: string): Promise<boolean>;
  /** Moves a dead or cancelled job back to queued. Throws ERRAND_JOB_NOT_RETRYABLE otherwise, ERRAND_JOB_NOT_FOUND when unknown. */
  retry(id: string): Promise<void>;
  /** Deletes a job that is not running. False when it is running. Throws ERRAND_JOB_NOT_FOUND. */
  remove(id: string): Promise<boolean>;
  /** The stored schedules, by name, each with its next run time (see docs/schedules.md). */
  listSchedules(): Promise<StoredSchedule[]>;
  /** Stops a schedule ticking on every node until resumed (its running job is not touched). Throws ERRAND_SCHEDULE_NOT_FOUND. */
  pauseSchedule(name: string): Promise<void>;
  /** Resumes a paused schedule from its next tick after now (ticks of the paused time are not run). Throws ERRAND_SCHEDULE_NOT_FOUND. */
  resumeSchedule(name: string): Promise<void>;
}

function resolveRunAt(options: EnqueueOptions, now: number): number {
  const { delay, runAt } = options;
  if (delay !== undefined && runAt !== undefined) throw new RangeError('enqueue: give either delay or runAt, not both');
  if (delay !== undefined) {
    if (!(Number.isFinite(delay) && delay >= 0)) throw new RangeError(`enqueue: delay must be a finite number of ms >= 0, got ${delay}`);
    // Whole ms, rounded up: a due time is "no sooner than", and the SQL backends store integers.
    return Math.ceil(now + delay);
  }
  if (runAt !== undefined) {
    const at = typeof runAt === 'number' ? runAt : runAt.getTime();
    if (!Number.isFinite(at)) throw new RangeError('enqueue: runAt is not a valid date');
    return Math.ceil(at);
  }
  return now;
}

/** Checks `dedupe` against the other options; for a debounce, the new job's run time (`delayMs` from now). */
function resolveDedupe(options: EnqueueOptions, now: number): number | undefined {
  const dedupe = jobDedupeOf(options.dedupe);
  if (dedupe === undefined) return undefined;
  if (options.key === undefined) throw new RangeError(`enqueue: dedupe ${JSON.stringify(options.dedupe)} needs a key`);
  if (dedupe.mode !== 'debounce') return undefined;
  if (options.delay !== undefined || options.runAt !== undefined) throw new RangeError('enqueue: a debounced job runs dedupe.debounce.delayMs after the last enqueue; give no delay or runAt');
  return Math.ceil(now + dedupe.delayMs);
}

/**
 * Refuses a key no backend can store the same way (Postgres text cannot hold U+0000, and answered a
 * 503 for it): a client-supplied key is the caller's fault, so a 422 on every backend.
 */
function checkKey(key: string): void {
  if (key.includes('\u0000')) throw new ErrandError('ERRAND_JOB_KEY_INVALID', 'enqueue: the job key holds a NUL character (U+0000), which no backend stores; remove it from the key');
}

function resolvePriority(priority = 0): number {
  if (!(Number.isInteger(priority) && priority >= 0 && priority <= maxPriority)) {
    throw new RangeError(`enqueue: priority must be an integer in 0..${maxPriority} (lower runs sooner), got ${priority}`);
  }
  return priority;
}

/** One enqueue waiting for the end of the microtask turn. */
interface PendingEnqueue {
  job: NewJob;
  resolve: (result: EnqueueResult) => void;
  reject: (error: unknown) => void;
}

/** What enqueueing needs of a task, whatever its payload type. */
interface TaskToEnqueue {
  task: { readonly name: string; readonly options: { readonly retries?: number; readonly schema?: unknown; readonly dedupe?: DedupeOption; readonly group?: { readonly key: (payload: never) => string } }; parse(payload: unknown): Promise<unknown> };
  payload: unknown;
  options?: EnqueueOptions | undefined;
}

function newJob(item: TaskToEnqueue, options: EnqueueOptions, runAt: number, priority: number, now: number): NewJob {
  const job: NewJob = { id: jobId(now), task: item.task.name, payload: item.payload, runAt, priority, maxAttempts: (item.task.options.retries ?? 3) + 1, createdAt: now };
  if (options.key !== undefined) job.key = options.key;
  const group = groupOf(item.task, item.payload);
  if (group !== undefined) job.group = group;
  const dedupe = jobDedupeOf(options.dedupe);
  if (dedupe !== undefined) job.dedupe = dedupe;
  const meta = enqueueTraceMeta(job.task, job.id);
  if (meta !== undefined) job.meta = meta;
  return job;
}

/**
 * Checks the options and the payload and builds the job to store: synchronously when the schema
 * validates synchronously (or the task has none), else as a promise. Throws (or rejects) RangeError
 * for bad options and PayloadInvalidError for a bad payload.
 */
function toNewJob(item: TaskToEnqueue, now: number): NewJob | Promise<NewJob> {
  const given = item.options ?? {};
  // The task's dedupe default applies to a keyed enqueue that names no mode of its own.
  const taskDedupe = item.task.options.dedupe;
  const options = given.key !== undefined && given.dedupe === undefined && taskDedupe !== undefined ? { ...given, dedupe: taskDedupe } : given;
  if (options.key !== undefined) checkKey(options.key);
  const runAt = resolveDedupe(options, now) ?? resolveRunAt(options, now);
  const priority = resolvePriority(options.priority);
  // Validate at enqueue so the caller gets the error, but store what was given: the job re-validates
  // it at run, and a schema's input (not its transformed output) is what it accepts again.
  const parsed = parsePayload(item.task, item.payload);
  if (isThenable(parsed)) return Promise.resolve(parsed).then(() => newJob(item, options, runAt, priority, now));
  return newJob(item, options, runAt, priority, now);
}

/**
 * The one transaction an `enqueueMany` call writes through: the call's `tx`, or the one its items
 * name. Items naming another transaction than the call, or than each other, are refused (RangeError):
 * one call is one write, and it cannot be split across transactions.
 */
function transactionOf(items: readonly TaskToEnqueue[], tx: AppTransaction | undefined): AppTransaction | undefined {
  const named = new Set<AppTransaction>();
  for (const item of items) if (item.options?.tx !== undefined) named.add(item.options.tx);
  const once = 'give it once, as enqueueMany(items, { tx })';
  if (tx !== undefined) {
    if ([...named].some((own) => own !== tx)) throw new RangeError(`enqueueMany: an item names another transaction than the call; all jobs of one call are stored with one transaction`);
    return tx;
  }
  if (named.size === 0) return undefined;
  if (named.size > 1) throw new RangeError(`enqueueMany: items name different transactions; all jobs of one call are stored with one transaction: ${once}`);
  if (items.some((item) => item.options?.tx === undefined)) throw new RangeError(`enqueueMany: some items name a transaction and others do not: ${once}`);
  return [...named][0];
}

function scheduleNotFound(name: string): ErrandError {
  return new ErrandError('ERRAND_SCHEDULE_NOT_FOUND', `no schedule is named "${name}" (schedules are stored when a worker declaring them starts)`);
}

function notFound(id: string): ErrandError {
  return new ErrandError('ERRAND_JOB_NOT_FOUND', `no job has id "${id}" (it never existed, or it finished and was pruned)`);
}

/**
 * Creates the producer side of durable jobs over a backend. It implements `Enqueuer`, so an
 * after-response `background.add(task, payload, { durable: true })` can hand tasks to it.
 *
 * @example
 * const queue = createQueue({ backend: createSqliteBackend({ path: './data/errand.db' }) })
 * const id = await queue.enqueue(sendWelcome, { email }, { delay: 60_000, key: `welcome:${email}` })
 */
export function createQueue(options: QueueOptions): Queue {
  const { backend } = options;
  const now = options.now ?? Date.now;

  // No await before the backend call when every payload validates synchronously: a synchronous
  // SQLite transaction must see the write before its callback returns.
  async function enqueueMany(items: readonly TaskToEnqueue[], manyOptions?: EnqueueManyOptions): Promise<{ jobs: NewJob[]; results: EnqueueResult[] }> {
    const tx = transactionOf(items, manyOptions?.tx);
    if (items.length === 0) return { jobs: [], results: [] };
    const at = now();
    const prepared = items.map((item) => toNewJob(item, at));
    const jobs = prepared.some(isThenable) ? await Promise.all(prepared.map((job) => Promise.resolve(job))) : (prepared as NewJob[]);
    const results = await (tx === undefined ? call(jobs) : writeIn(tx, jobs)).catch((error: unknown) => {
      throw storeFailure(jobs, error);
    });
    if (results.length !== jobs.length) throw new ErrandError('ERRAND_BACKEND_UNAVAILABLE', `backend ${backend.name} answered enqueue of ${jobs.length} jobs with ${results.length} results`);
    return { jobs, results };
  }

  // Enqueues issued in the same turn of the microtask queue (a `Promise.all` over items, a loop
  // that does not await each call) share one backend call: one transaction on SQLite instead of
  // one commit each, which is most of an enqueue's cost. Each call still gets its own id.
  let pending: PendingEnqueue[] = [];

  function store(job: NewJob): Promise<EnqueueResult> {
    return new Promise<EnqueueResult>((resolve, reject) => {
      pending.push({ job, resolve, reject });
      if (pending.length === 1) queueMicrotask(flush);
    });
  }

  function flush(): void {
    const batch = pending;
    pending = [];
    const [only] = batch;
    if (only !== undefined && batch.length === 1) return storeAlone(only);
    call(batch.map((item) => item.job)).then(
      (results) => batch.forEach((item, index) => settle(item, results[index])),
      // The batch was one atomic write that failed: store each alone, so one bad job fails only its own call.
      () => batch.forEach(storeAlone),
    );
  }

  function storeAlone(item: PendingEnqueue): void {
    call([item.job]).then(([result]) => settle(item, result), (error: unknown) => item.reject(storeFailure([item.job], error)));
  }

  /** backend.enqueue, with a synchronous throw turned into a rejection (this runs in a microtask, where a throw would go unhandled). */
  function call(jobs: NewJob[]): Promise<EnqueueResult[]> {
    try {
      return backend.enqueue(jobs);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Stores one job with the app's transaction, at once (not batched with other calls, which belong
   * to other transactions): a synchronous SQLite transaction must see the write before its callback returns.
   */
  function storeIn(tx: AppTransaction, job: NewJob): Promise<EnqueueResult> {
    return writeIn(tx, [job]).then(
      ([result]) => {
        if (result === undefined) throw new ErrandError('ERRAND_BACKEND_UNAVAILABLE', `backend ${backend.name} answered enqueue with no result`);
        return result;
      },
      (error: unknown) => {
        throw storeFailure([job], error);
      },
    );
  }

  /** backend.enqueueInTransaction, or ERRAND_TX_UNSUPPORTED; a synchronous throw becomes a rejection. */
  function writeIn(tx: AppTransaction, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    if (backend.enqueueInTransaction === undefined) {
      return Promise.reject(new ErrandError('ERRAND_TX_UNSUPPORTED', `enqueue was given \`tx\` but backend ${backend.name} cannot store jobs in the app's transaction; use the Postgres or SQLite backend, or an outbox in front of Redis`));
    }
    try {
      return backend.enqueueInTransaction(tx, jobs);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function settle(item: PendingEnqueue, result: EnqueueResult | undefined): void {
    if (result === undefined) item.reject(new ErrandError('ERRAND_BACKEND_UNAVAILABLE', `backend ${backend.name} answered enqueue with no result`));
    else item.resolve(result);
  }

  /** Builds, checks and stores one job (with its `tx`, else batched with the calls of this turn). */
  function enqueueOne(item: TaskToEnqueue): Promise<{ job: NewJob; result: EnqueueResult }> {
    let prepared: NewJob | Promise<NewJob>;
    try {
      prepared = toNewJob(item, now());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const tx = item.options?.tx;
    const write = (job: NewJob): Promise<{ job: NewJob; result: EnqueueResult }> => (tx === undefined ? store(job) : storeIn(tx, job)).then((result) => ({ job, result }));
    return isThenable(prepared) ? prepared.then(write) : write(prepared);
  }

  return {
    backend,
    enqueue: (task, payload, enqueueOptions) => enqueueOne({ task, payload, options: enqueueOptions }).then(({ result }) => result.id),
    enqueueWithOutcome: (task, payload, enqueueOptions) =>
      enqueueOne({ task, payload, options: enqueueOptions }).then(({ job, result }) => ({ id: result.id, outcome: enqueueOutcomeOf(job, result) })),
    // The typed signatures map a tuple of tasks to a tuple of ids (or outcomes); at run time both are arrays.
    enqueueMany: (async (items: readonly TaskToEnqueue[], manyOptions?: EnqueueManyOptions) => (await enqueueMany(items, manyOptions)).results.map((result) => result.id)) as Queue['enqueueMany'],
    enqueueManyWithOutcome: (async (items: readonly TaskToEnqueue[], manyOptions?: EnqueueManyOptions) => {
      const { jobs, results } = await enqueueMany(items, manyOptions);
      return results.map((result, index) => ({ id: result.id, outcome: enqueueOutcomeOf(jobs[index], result) }));
    }) as Queue['enqueueManyWithOutcome'],
    // A typed JobId only narrows `result`'s type; the record is the backend's either way.
    get: ((id: string) => backend.get(id)),
    list: (listOptions) => backend.list(listOptions),
    stats: () => backend.stats(),
    async cancel(id) {
      if (await backend.cancel(id)) return true;
      if ((await backend.get(id)) === undefined) throw notFound(id);
      return false;
    },
    async retry(id) {
      if (await backend.retry(id)) return;
      const job = await backend.get(id);
      if (job === undefined) throw notFound(id);
      throw new ErrandError('ERRAND_JOB_NOT_RETRYABLE', `job "${id}" is ${job.state}; only dead or cancelled jobs can be retried`);
    },
    async remove(id) {
      if (await backend.remove(id)) return true;
      if ((await backend.get(id)) === undefined) throw notFound(id);
      return false;
    },
    async listSchedules() {
      return (await scheduleStoreOf(backend).list()).sort((a, b) => a.name.localeCompare(b.name));
    },
    async pauseSchedule(name) {
      const store = scheduleStoreOf(backend);
      const schedule = await store.get(name);
      if (schedule === undefined || !(await store.setPaused(name, true, schedule.nextRunAt, now()))) throw scheduleNotFound(name);
    },
    async resumeSchedule(name) {
      const store = scheduleStoreOf(backend);
      const schedule = await store.get(name);
      const at = now();
      if (schedule === undefined) throw scheduleNotFound(name);
      if (!schedule.paused) return;
      if (!(await store.setPaused(name, false, nextTick(schedule.spec, at), at))) throw scheduleNotFound(name);
    },
  };
}
