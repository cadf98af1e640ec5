import { defaultLogger } from '../logging/default-logger.js';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { TaskErrorInfo } from '../errors/task-error.js';
import type { Enqueuer } from '../jobs/task-definition.js';
import { sinkOf, type BackgroundTasks, type TaskSink } from './background-tasks.js';
import { drainTasks, type DrainOptions, type DrainReport, type DrainSubject } from './drain.js';
import { isThenable, TaskRun, type SettledOutcome } from './run-task.js';
import { TaskBatch, type CreateBatchOptions, type SentResponse } from './task-batch.js';
import { shouldRun, taskInfo, type DefinedTaskEntry, type TaskEntry } from './task-entry.js';
import { TaskEvents, type TaskEventMap, type TaskEventName, type TaskInfo } from './task-events.js';
import { emptyStats, type TaskStats } from './task-stats.js';
import { UnavailableError } from './unavailable-error.js';
import { reportTaskFailure } from './report-task-failure.js';
import { logSafely } from './log-safely.js';
import { DrainDeadline } from './drain-deadline.js';
import { runInTraceContext } from '../tracing/task-span.js';
import type { TaskErrorReporter, TaskLogger, TaskRunnerOptions } from './task-runner-options.js';

/** What the error reporter learns about a failed task: the registry's own type (`context` is the Hono `Context` in the Hono adapter). */
export type { TaskErrorInfo };
export type { TaskErrorReporter, TaskLogger, TaskRunnerOptions } from './task-runner-options.js';
export type { CreateBatchOptions, SentResponse } from './task-batch.js';

/**
 * Runs every request's after-response tasks for one process: in order per request, concurrently
 * across requests, bounded, counted, and drained at shutdown. Framework adapters create one batch
 * per request (`createBatch`) and `start` it once the response has been sent.
 */
export class TaskRunner {
  readonly maxPending: number;
  readonly retryAfterSeconds: number;
  readonly taskTimeoutMs: number | undefined;
  readonly drainTimeoutMs: number;
  readonly #queue: Enqueuer | undefined;
  readonly #onError: TaskErrorReporter | undefined;
  readonly #logger: TaskLogger;
  readonly #events: TaskEvents;
  readonly #stats = emptyStats();
  /** Batches with a task not settled yet. */
  readonly #pending = new Set<TaskBatch>();
  #idleWaiters: (() => void)[] = [];
  #closing = false;
  /** Set once the drain gave up waiting: no task starts any more. */
  #stopping = false;
  #drained: Promise<DrainReport> | undefined;
  /** Where the task lists this runner made hand their tasks. */
  readonly #sink: TaskSink = { accept: (tasks, entry) => this.#accept(tasks, entry) };
  readonly #deadline: DrainDeadline;
  /** What the drain works with (src/tasks/drain.ts). */
  readonly #drainSubject: DrainSubject;

  constructor(options: TaskRunnerOptions = {}) {
    this.maxPending = options.maxPending ?? 10_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.taskTimeoutMs = options.taskTimeoutMs;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.#queue = options.queue;
    this.#onError = options.onError;
    this.#logger = options.logger ?? defaultLogger('errand');
    this.#events = new TaskEvents((error, event) => {
      logSafely(this.#logger, 'error', { err: coerceError(error), event }, 'a task event listener threw');
    });
    this.#deadline = new DrainDeadline({
      stats: this.#stats,
      events: this.#events,
      logger: this.#logger,
      hasQueue: this.#queue !== undefined,
      enqueue: (batch, entry) => this.#enqueue(batch, entry),
      skip: (task, status) => this.#skip(task, status),
      abandon: (late) => this.#abandon(late),
      retire: (batch) => this.#retire(batch),
    });
    this.#drainSubject = {
      stats: this.#stats,
      logger: this.#logger,
      deadline: this.#deadline,
      pending: () => [...this.#pending],
      onIdle: () => this.onIdle(),
      stop: () => {
        this.#stopping = true;
      },
    };
  }

  /** Whether task failures have somewhere to go besides the log (`onError`). */
  get reportsErrors(): boolean {
    return this.#onError !== undefined;
  }

  /** Whether `drain()` has been called. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Subscribes to a runner event (see {@link TaskEventMap}); returns the unsubscribe function. */
  on<Name extends TaskEventName>(name: Name, listener: (event: TaskEventMap[Name]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** A snapshot of the counters. */
  stats(): TaskStats {
    return { ...this.#stats };
  }

  /**
   * Throws the 503 a new request gets when the process is at its bound or shutting down. Call it
   * before the request's handler runs.
   */
  admit(requestId?: string): void {
    if (this.#closing) {
      this.#stats.refusedWhileClosing++;
      throw new UnavailableError('ERRAND_SHUTTING_DOWN', 'the server is shutting down and takes no new requests', this.retryAfterSeconds);
    }
    const pending = this.#stats.pending + this.#stats.abandoned;
    if (pending >= this.maxPending) {
      this.#stats.rejectedRequests++;
      this.#events.emit('request:rejected', { requestId, pending });
      throw new UnavailableError('ERRAND_OVERLOADED', `${pending} after-response tasks are in flight (maxPending ${this.maxPending}); retry later`, this.retryAfterSeconds);
    }
  }

  /**
   * A new, empty task list for one request. With `response`, the runner starts its tasks when that
   * Node response closes (watched from the first add); without, call {@link TaskRunner.start}.
   */
  createBatch(options: CreateBatchOptions = {}): BackgroundTasks {
    return new TaskBatch(this.#sink, options);
  }

  /** Takes a task added to one of this runner's task lists. */
  #accept(tasks: BackgroundTasks, entry: TaskEntry): void {
    if (entry.kind === 'definition' && entry.durable && this.#queue === undefined) {
      throw new ErrandError('ERRAND_QUEUE_MISSING', `task "${entry.name}" was added with durable: true but the background runner has no queue; pass \`queue\` to createTaskRunner or background()`);
    }
    // Only this runner's batches have its sink.
    const batch = tasks as TaskBatch;
    this.#stats.added++;
    this.#stats.pending++;
    this.#pending.add(batch);
    const response = batch.response;
    // Added after the response was sent (a streaming response): run it too.
    if (batch.status !== undefined) this.#resume(batch);
    else if (response !== undefined) {
      batch.response = undefined;
      this.#startWhenSent(batch, response);
    }
  }

  /** Starts the batch once its Node response closed (at once when it already has). */
  #startWhenSent(batch: TaskBatch, response: SentResponse): void {
    if (response.writableFinished || response.destroyed) this.#start(batch, response.statusCode);
    // `on`, not `once`: a response closes once (a second 'close' would find the batch started), and
    // `once` costs a wrapper and, at removal, a new listener table for the response (352 B).
    else response.on('close', () => this.#start(batch, response.statusCode));
  }

  /**
   * Starts a request's tasks: call it once its response has been fully sent, with the final status
   * (not needed for a batch made with `response`). Tasks start on a microtask after the call,
   * never inside the caller. A second call is ignored. A list another runner made is refused with a
   * `TypeError`: its tasks would never start here.
   */
  start(tasks: BackgroundTasks, status: number): void {
    if (sinkOf(tasks) !== this.#sink) throw new TypeError('runner.start() was given a task list another runner made; start it with the runner that made it (errand(app).runner, or the runner given to background())');
    this.#start(tasks as TaskBatch, status);
  }

  /** Records the final status; a task added later (a streaming response) runs at once. */
  #start(batch: TaskBatch, status: number): void {
    if (batch.status !== undefined) return;
    batch.status = status;
    if (batch.entries.length > 0) this.#resume(batch);
  }

  /** Resolves when no task is pending (for tests and for shutdown). */
  onIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Graceful shutdown: refuses new requests (503 ERRAND_SHUTTING_DOWN), waits for pending tasks up
   * to `timeoutMs`, then aborts the ones still running, moves defined tasks not yet run to the
   * durable queue (when there is one) and drops the rest, logging each. Idempotent.
   *
   * @example
   * const report = await runner.drain({ timeoutMs: 5_000 });
   * if (report.dropped.length > 0) console.warn('lost tasks', report.dropped);
   */
  drain(options: DrainOptions = {}): Promise<DrainReport> {
    if (this.#drained === undefined) {
      this.#closing = true;
      this.#drained = drainTasks(this.#drainSubject, options.timeoutMs ?? this.drainTimeoutMs);
    }
    return this.#drained;
  }

  #resume(batch: TaskBatch): void {
    if (batch.running) return;
    if (this.#stopping) {
      void this.#deadline.giveUp(batch, undefined);
      return;
    }
    batch.running = true;
    // Tasks start on a microtask, never inside the caller (the response's event handler).
    void Promise.resolve(batch).then(this.#runBatch);
  }

  /** {@link TaskRunner.#run} as a promise callback: one function per runner, none per request. */
  readonly #runBatch = (batch: TaskBatch): void => this.#run(batch);

  /**
   * Runs the batch's tasks one after the other, in the order added (tasks added meanwhile
   * included), until none is left or the drain gave up. A task that has to be waited for ends the
   * call, and its settling calls `#run` again for the rest: a suspended async loop would keep its
   * frame for every pending task (the figures are in the commit). A task that fails or times out is
   * counted and reported and the next one runs; so does a fault of the runner itself (a log sink or
   * a reporter that threw). Never throws.
   */
  #run(batch: TaskBatch): void {
    for (let entry = this.#nextEntry(batch); entry !== undefined; entry = this.#nextEntry(batch)) {
      if (this.#runEntry(batch, entry)) return;
    }
    batch.running = false;
    if (batch.next >= batch.entries.length) this.#retire(batch);
  }

  /** Runs or enqueues one task; `true` when the batch goes on later, once the task has settled. */
  #runEntry(batch: TaskBatch, entry: TaskEntry): boolean {
    try {
      if (entry.kind === 'definition' && entry.durable) return this.#goOnAfter(batch, this.#enqueue(batch, entry));
      const run = this.#startRun(batch, entry);
      // A synchronous task's result is no promise: nothing to wait for.
      if (!isThenable(run.settled)) return this.#goOnAfter(batch, this.#ended(batch, run, run.succeeded()));
      void Promise.resolve(run.settled).then(
        () => this.#settled(batch, run, run.succeeded()),
        (thrown: unknown) => this.#settled(batch, run, run.failed(thrown)),
      );
      return true;
    } catch (error) {
      this.#fault(batch, error);
      return false;
    }
  }

  /** A task the batch waited for has settled: counts and reports it, then runs the rest of the batch. */
  #settled(batch: TaskBatch, run: TaskRun, outcome: SettledOutcome | undefined): void {
    try {
      if (this.#goOnAfter(batch, this.#ended(batch, run, outcome))) return;
    } catch (error) {
      this.#fault(batch, error);
    }
    this.#run(batch);
  }

  /** Given a promise that never rejects (a failure being reported, a task being enqueued): runs the rest of the batch once it settles, and answers `true`. */
  #goOnAfter(batch: TaskBatch, settling: Promise<unknown> | undefined): boolean {
    if (settling === undefined) return false;
    void settling.then(() => this.#run(batch));
    return true;
  }

  /**
   * Counts a run that ended; a failure or a timeout is also logged and reported (the promise, which
   * never rejects). `undefined`: the drain deadline interrupted the task and counted it already.
   */
  #ended(batch: TaskBatch, run: TaskRun, outcome: SettledOutcome | undefined): Promise<void> | undefined {
    if (outcome?.status === 'succeeded') this.#succeeded(batch, run, outcome.durationMs);
    else if (outcome !== undefined) return this.#failed(batch, run, outcome);
    return undefined;
  }

  /** A fault of the runner itself (a log sink or a reporter that threw): logged, and the next task runs. */
  #fault(batch: TaskBatch, error: unknown): void {
    logSafely(this.#logger, 'error', { err: coerceError(error), requestId: batch.requestId }, 'the task runner failed unexpectedly');
  }

  /** The batch's next task to run (here or on the queue), counting those its `when` rules out; `undefined` once none is left or the drain gave up. */
  #nextEntry(batch: TaskBatch): TaskEntry | undefined {
    const entries = batch.entries;
    while (batch.next < entries.length && !this.#stopping) {
      const entry = entries[batch.next];
      batch.next++;
      const status = batch.status ?? 500;
      if (shouldRun(entry.when, status)) return entry;
      this.#skip(taskInfo(entry, batch.requestId), status);
    }
    return undefined;
  }

  #startRun(batch: TaskBatch, entry: TaskEntry): TaskRun {
    this.#stats.started++;
    this.#stats.running++;
    if (this.#events.has('task:started')) this.#events.emit('task:started', { task: taskInfo(entry, batch.requestId) });
    const run = new TaskRun(entry, entry.timeout ?? this.taskTimeoutMs, batch.requestId);
    batch.current = run;
    return run;
  }

  #succeeded(batch: TaskBatch, run: TaskRun, durationMs: number): void {
    batch.current = undefined;
    this.#stats.running--;
    this.#stats.pending--;
    this.#stats.durationMsTotal += durationMs;
    this.#stats.succeeded++;
    if (this.#events.has('task:succeeded')) this.#events.emit('task:succeeded', { task: taskInfo(run.entry, batch.requestId), durationMs });
  }

  /** Counts a run that failed or timed out, logs and reports it, and emits its event. */
  async #failed(batch: TaskBatch, run: TaskRun, outcome: Exclude<SettledOutcome, { status: 'succeeded' }>): Promise<void> {
    batch.current = undefined;
    this.#stats.running--;
    this.#stats.pending--;
    this.#stats.durationMsTotal += outcome.durationMs;
    const task = taskInfo(run.entry, batch.requestId);
    if (outcome.status === 'failed') {
      this.#stats.failed++;
      await this.#fail(batch, task, outcome.error, false, run.traceId);
      this.#events.emit('task:failed', { task, error: outcome.error, durationMs: outcome.durationMs });
      return;
    }
    this.#stats.timedOut++;
    this.#abandon(outcome.late);
    await this.#fail(batch, task, outcome.error, true, run.traceId);
    this.#events.emit('task:timed-out', { task, error: outcome.error, durationMs: outcome.durationMs });
  }

  #skip(task: TaskInfo, status: number): void {
    this.#stats.skipped++;
    this.#stats.pending--;
    this.#events.emit('task:skipped', { task, status });
  }

  /** Enqueues a defined task; returns its job id, or undefined when the queue refused it (reported as a failure). */
  async #enqueue(batch: TaskBatch, entry: DefinedTaskEntry): Promise<string | undefined> {
    const task = taskInfo(entry, batch.requestId);
    try {
      const jobId = await runInTraceContext(entry.trace, () => this.#queue!.enqueue(entry.definition, entry.payload, entry.enqueue));
      this.#stats.enqueued++;
      this.#events.emit('task:enqueued', { task, jobId });
      return jobId;
    } catch (thrown) {
      const error = coerceError(thrown);
      this.#stats.failed++;
      await this.#fail(batch, task, error, false);
      this.#events.emit('task:failed', { task, error, durationMs: 0 });
      return undefined;
    } finally {
      this.#stats.pending--;
    }
  }

  /** Logs and reports a failed task; never rejects: a log sink or reporter that throws is logged as a fault of the runner. */
  #fail(batch: TaskBatch, task: TaskInfo, error: Error, timedOut: boolean, traceId?: string): Promise<void> {
    return reportTaskFailure(this.#logger, batch.report ?? this.#onError, { task, error, timedOut, traceId, context: batch.context }).catch((fault: unknown) => {
      logSafely(this.#logger, 'error', { err: coerceError(fault), requestId: task.requestId }, 'the task runner failed unexpectedly');
    });
  }

  #abandon(late: Promise<void>): void {
    this.#stats.abandoned++;
    void late.then(() => {
      this.#stats.abandoned--;
    });
  }

  #retire(batch: TaskBatch): void {
    if (!this.#pending.delete(batch) || this.#pending.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Creates the process's task runner. Share one per process between the middleware and the server
 * helper so shutdown drains every request's tasks.
 *
 * @example
 * const runner = createTaskRunner({ maxPending: 10_000, taskTimeoutMs: 30_000, queue });
 * app.use(background({ runner, registry }));
 */
export function createTaskRunner(options: TaskRunnerOptions = {}): TaskRunner {
  return new TaskRunner(options);
}
