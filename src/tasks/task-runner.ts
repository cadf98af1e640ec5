import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { TaskErrorInfo } from '../errors/task-error.js';
import type { Enqueuer } from '../jobs/task-definition.js';
import { BackgroundTasks, runnerState, type BackgroundTasksInit, type TaskSink } from './background-tasks.js';
import { collectRemaining, emptyDrainReport, type DrainOptions, type DrainReport } from './drain.js';
import { TaskRun, type RunOutcome } from './run-task.js';
import { shouldRun, taskInfo, type DefinedTaskEntry, type TaskEntry } from './task-entry.js';
import { TaskEvents, type TaskEventMap, type TaskEventName, type TaskInfo } from './task-events.js';
import { emptyStats, type TaskStats } from './task-stats.js';
import { UnavailableError } from './unavailable-error.js';
import type { TaskErrorReporter, TaskLogger, TaskRunnerOptions } from './task-runner-options.js';

/** What the error reporter learns about a failed task: the registry's own type (`context` is the Hono `Context` in the Hono adapter). */
export type { TaskErrorInfo };

export type { TaskErrorReporter, TaskLogger, TaskRunnerOptions } from './task-runner-options.js';

interface BatchState {
  runner: TaskRunner;
  batch: BackgroundTasks;
  /** Called with the start function at the first task added (the adapter hooks the response's end then). */
  whenSent: ((batch: BackgroundTasks, sent: unknown) => void) | undefined;
  /** Handed to `whenSent` (the adapter's response object), dropped once used. */
  sent: unknown;
  /** Final response status once the response has been sent; undefined before. */
  status: number | undefined;
  /** Index of the next entry to run. */
  next: number;
  running: boolean;
  report: TaskErrorReporter | undefined;
}

type RunningTask = TaskRun<BatchState>;

// What #runEntry returns for a task that is still running (the loop resumes when it settles).
const later = Symbol('later');

/**
 * Runs every request's after-response tasks for one process: in order per request, concurrently
 * across requests, bounded, counted, and drained at shutdown. Framework adapters create one batch
 * per request (`createBatch`) and `start` it once the response has been sent.
 */
export class TaskRunner implements TaskSink {
  readonly maxPending: number;
  readonly retryAfterSeconds: number;
  readonly taskTimeoutMs: number | undefined;
  readonly drainTimeoutMs: number;
  readonly #queue: Enqueuer | undefined;
  readonly #onError: TaskErrorReporter | undefined;
  readonly #logger: TaskLogger;
  readonly #events: TaskEvents;
  readonly #stats = emptyStats();
  readonly #active = new Set<BatchState>();
  readonly #running = new Set<RunningTask>();
  #idleWaiters: (() => void)[] = [];
  #closing = false;
  #stopping = false;
  #drained: Promise<DrainReport> | undefined;

  constructor(options: TaskRunnerOptions = {}) {
    this.maxPending = options.maxPending ?? 10_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.taskTimeoutMs = options.taskTimeoutMs;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.#queue = options.queue;
    this.#onError = options.onError;
    this.#logger = options.logger ?? pino({ name: 'errand' });
    this.#events = new TaskEvents((error, event) => {
      this.#logger.error({ err: coerceError(error), event }, 'a task event listener threw');
    });
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
      throw new UnavailableError('ERRAND_SHUTTING_DOWN', 'the server is shutting down and takes no new requests', this.retryAfterSeconds);
    }
    const pending = this.#stats.pending + this.#stats.abandoned;
    if (pending >= this.maxPending) {
      this.#stats.rejectedRequests++;
      if (this.#events.has('request:rejected')) this.#events.emit('request:rejected', { requestId, pending });
      throw new UnavailableError('ERRAND_OVERLOADED', `${pending} after-response tasks are in flight (maxPending ${this.maxPending}); retry later`, this.retryAfterSeconds);
    }
  }

  /**
   * A new, empty task list for one request; `report` overrides the runner's `onError` for it.
   * `whenSent`, when given, is called once, at the first task added, with the batch and `sent`: the
   * adapter then arranges to call {@link start} once the response has been sent, so a request that
   * adds no task costs no listener on its response (pass one function for every batch, not a
   * closure each, and the response as `sent`).
   */
  createBatch(init: BackgroundTasksInit & { report?: TaskErrorReporter; whenSent?: (batch: BackgroundTasks, sent: unknown) => void; sent?: unknown } = {}): BackgroundTasks {
    const batch = new BackgroundTasks(this, init);
    const state: BatchState = { runner: this, batch, whenSent: init.whenSent, sent: init.sent, status: undefined, next: 0, running: false, report: init.report };
    batch[runnerState] = state;
    return batch;
  }

  // The state names its runner, so a batch from another runner is refused.
  #stateOf(batch: BackgroundTasks): BatchState | undefined {
    const state = batch[runnerState] as BatchState | undefined;
    return state?.runner === this ? state : undefined;
  }

  /** Called by {@link BackgroundTasks.add}; not for direct use. */
  accept(batch: BackgroundTasks, entry: TaskEntry): void {
    if (entry.kind === 'definition' && entry.durable && this.#queue === undefined) {
      throw new ErrandError('ERRAND_QUEUE_MISSING', `task "${entry.name}" was added with durable: true but the background runner has no queue; pass \`queue\` to createTaskRunner or background()`);
    }
    const state = this.#stateOf(batch);
    if (state === undefined) throw new TypeError('this task list belongs to another runner');
    this.#stats.added++;
    this.#stats.pending++;
    this.#active.add(state);
    const whenSent = state.whenSent;
    if (whenSent !== undefined) {
      const sent = state.sent;
      state.whenSent = undefined;
      state.sent = undefined;
      whenSent(batch, sent);
    }
    if (this.#stopping) void this.#dispose(state, undefined);
    else if (state.status !== undefined && !state.running) this.#kick(state);
  }

  /**
   * Starts a request's tasks: call it once its response has been fully sent, with the final status.
   * Tasks start on a microtask after the call, never inside the caller.
   */
  start(batch: BackgroundTasks, status: number): void {
    const state = this.#stateOf(batch);
    if (state === undefined || state.status !== undefined) return;
    state.status = status;
    if (state.batch.entries.length === 0) return;
    if (this.#stopping) void this.#dispose(state, undefined);
    else this.#kick(state);
  }

  /** Resolves when no task is pending (for tests and for shutdown). */
  onIdle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
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
    this.#drained ??= this.#drain(options.timeoutMs ?? this.drainTimeoutMs);
    return this.#drained;
  }

  async #drain(timeoutMs: number): Promise<DrainReport> {
    const started = performance.now();
    this.#closing = true;
    const settledBefore = this.#settledCount();
    const report = emptyDrainReport();
    const idle = await this.#waitIdle(timeoutMs);
    this.#stopping = true;
    if (!idle) {
      for (const { state, entry } of this.#running) report.interrupted.push({ task: entry.name, requestId: state.batch.requestId });
      for (const running of [...this.#running]) running.interrupt();
      for (const state of [...this.#active]) await this.#dispose(state, report);
    }
    report.finished = this.#settledCount() - settledBefore - report.enqueued.length;
    report.durationMs = performance.now() - started;
    const summary = { finished: report.finished, interrupted: report.interrupted.length, enqueued: report.enqueued.length, dropped: report.dropped.length };
    if (idle) this.#logger.info(summary, 'after-response tasks drained');
    else this.#logger.warn({ ...summary, report }, `after-response tasks did not all finish within ${timeoutMs} ms`);
    return report;
  }

  #settledCount(): number {
    const s = this.#stats;
    return s.succeeded + s.failed + s.timedOut + s.skipped + s.enqueued;
  }

  async #waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.onIdle().then(() => true), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #kick(state: BatchState): void {
    state.running = true;
    // Out of the caller's stack, on a microtask: a setImmediate per request (the previous choice)
    // made the event loop spin once per response, which doubled the server's CPU per request.
    queueMicrotask(() => this.#drive(state));
  }

  // Runs the batch's entries in order. Synchronous tasks run back to back without a promise; at
  // the first task still pending, the loop continues once it settles.
  #drive(state: BatchState): void {
    const { entries } = state.batch;
    try {
      while (state.next < entries.length && !this.#stopping) {
        const entry = entries[state.next];
        state.next++;
        const pending = this.#runEntry(state, entry);
        if (pending === later) return;
        if (pending !== undefined) {
          pending.then(
            () => this.#drive(state),
            (error: unknown) => this.#driveFailed(state, error),
          );
          return;
        }
      }
    } catch (error) {
      this.#driveFailed(state, error);
      return;
    }
    state.running = false;
    if (state.next >= entries.length) this.#retire(state);
  }

  #driveFailed(state: BatchState, error: unknown): void {
    this.#logger.error({ err: coerceError(error), requestId: state.batch.requestId }, 'the task runner failed unexpectedly');
    state.running = false;
    if (state.next >= state.batch.entries.length) this.#retire(state);
  }

  /** Runs one entry: `undefined` when it finished synchronously, `later` when its run will resume the batch, else a promise to wait for. */
  #runEntry(state: BatchState, entry: TaskEntry): Promise<unknown> | undefined | typeof later {
    const status = state.status ?? 500;
    if (!shouldRun(entry.when, status)) {
      this.#stats.skipped++;
      this.#stats.pending--;
      if (this.#events.has('task:skipped')) this.#events.emit('task:skipped', { task: taskInfo(entry, state.batch.requestId), status });
      return undefined;
    }
    if (entry.kind === 'definition' && entry.durable) return this.#enqueue(state, entry, taskInfo(entry, state.batch.requestId));
    this.#stats.started++;
    this.#stats.running++;
    if (this.#events.has('task:started')) this.#events.emit('task:started', { task: taskInfo(entry, state.batch.requestId) });
    const run = new TaskRun(entry, state, this.#runSettled);
    const outcome = run.start(entry.timeout ?? this.taskTimeoutMs);
    if (outcome !== undefined) return this.#settle(state, entry, outcome);
    this.#running.add(run);
    return later;
  }

  // One function for every async run (not a closure per task): records the outcome, then resumes the batch.
  readonly #runSettled = (run: RunningTask, outcome: RunOutcome): void => {
    this.#running.delete(run);
    const { state } = run;
    let pending: Promise<void> | undefined;
    try {
      pending = this.#settle(state, run.entry, outcome);
    } catch (error) {
      this.#driveFailed(state, error);
      return;
    }
    if (pending === undefined) this.#drive(state);
    else
      pending.then(
        () => this.#drive(state),
        (error: unknown) => this.#driveFailed(state, error),
      );
  };

  #settle(state: BatchState, entry: TaskEntry, outcome: RunOutcome): Promise<void> | undefined {
    this.#stats.running--;
    this.#stats.pending--;
    switch (outcome.status) {
      case 'succeeded':
        this.#stats.succeeded++;
        this.#stats.durationMsTotal += outcome.durationMs;
        if (this.#events.has('task:succeeded')) this.#events.emit('task:succeeded', { task: taskInfo(entry, state.batch.requestId), durationMs: outcome.durationMs });
        return undefined;
      case 'failed': {
        this.#stats.failed++;
        this.#stats.durationMsTotal += outcome.durationMs;
        const task = taskInfo(entry, state.batch.requestId);
        return this.#fail(state, task, outcome.error, false).then(() => this.#events.emit('task:failed', { task, error: outcome.error, durationMs: outcome.durationMs }));
      }
      case 'timed-out': {
        this.#stats.timedOut++;
        this.#stats.durationMsTotal += outcome.durationMs;
        this.#abandon(outcome.late);
        const task = taskInfo(entry, state.batch.requestId);
        return this.#fail(state, task, outcome.error, true).then(() => this.#events.emit('task:timed-out', { task, error: outcome.error, durationMs: outcome.durationMs }));
      }
      case 'interrupted': {
        this.#stats.interrupted++;
        this.#abandon(outcome.late);
        this.#logger.warn({ code: outcome.error.code, task: entry.name, requestId: state.batch.requestId }, outcome.error.message);
        if (this.#events.has('task:interrupted')) this.#events.emit('task:interrupted', { task: taskInfo(entry, state.batch.requestId), error: outcome.error, durationMs: outcome.durationMs });
        return undefined;
      }
    }
  }

  /** Enqueues a defined task; returns its job id, or undefined when the queue refused it (reported as a failure). */
  async #enqueue(state: BatchState, entry: DefinedTaskEntry, task: TaskInfo): Promise<string | undefined> {
    try {
      const jobId = await this.#queue!.enqueue(entry.definition, entry.payload, entry.enqueue);
      this.#stats.enqueued++;
      this.#events.emit('task:enqueued', { task, jobId });
      return jobId;
    } catch (thrown) {
      const error = coerceError(thrown);
      this.#stats.failed++;
      await this.#fail(state, task, error, false);
      this.#events.emit('task:failed', { task, error, durationMs: 0 });
      return undefined;
    } finally {
      this.#stats.pending--;
    }
  }

  /** Logs a failure with the request id and hands it to the reporter, which must not break the runner. */
  async #fail(state: BatchState, task: TaskInfo, error: Error, timedOut: boolean): Promise<void> {
    const message = timedOut ? 'after-response task timed out' : 'after-response task failed';
    this.#logger.error({ err: error, task: task.name, requestId: task.requestId, timedOut }, message);
    const reporter = state.report ?? this.#onError;
    if (reporter === undefined) return;
    try {
      await reporter(error, { task: task.name, requestId: task.requestId, timedOut, context: state.batch.context });
    } catch (thrown) {
      this.#logger.error({ err: coerceError(thrown), task: task.name, requestId: task.requestId }, 'the task-error reporter threw');
    }
  }

  /** Moves what a batch has not run yet to the queue (defined tasks) or drops it, after the deadline. */
  async #dispose(state: BatchState, report: DrainReport | undefined): Promise<void> {
    await collectRemaining(state, report, {
      skip: (entry) => {
        this.#stats.skipped++;
        this.#stats.pending--;
        this.#events.emit('task:skipped', { task: taskInfo(entry, state.batch.requestId), status: state.status ?? 500 });
      },
      enqueue: this.#queue === undefined ? undefined : (entry) => this.#enqueue(state, entry, taskInfo(entry, state.batch.requestId)),
      drop: (entry) => {
        const task = taskInfo(entry, state.batch.requestId);
        this.#stats.dropped++;
        this.#stats.pending--;
        this.#logger.warn({ code: 'ERRAND_TASK_DROPPED', task: task.name, requestId: task.requestId }, `after-response task "${task.name}" was dropped at shutdown`);
        this.#events.emit('task:dropped', { task, reason: 'shutdown' });
      },
    });
    if (!state.running) this.#retire(state);
  }

  #abandon(late: Promise<void>): void {
    this.#stats.abandoned++;
    void late.then(() => {
      this.#stats.abandoned--;
    });
  }

  #retire(state: BatchState): void {
    if (!this.#active.delete(state) || this.#active.size > 0) return;
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
