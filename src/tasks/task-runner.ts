import { performance } from 'node:perf_hooks';
import { defaultLogger } from '../logging/default-logger.js';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { TaskErrorInfo } from '../errors/task-error.js';
import type { Enqueuer } from '../jobs/task-definition.js';
import { BackgroundTasks, runnerState, type BackgroundTasksInit, type TaskSink } from './background-tasks.js';
import { emptyDrainReport, type DrainOptions, type DrainReport } from './drain.js';
import { TaskBatchDriver, type BatchState } from './task-batch-driver.js';
import type { TaskEntry } from './task-entry.js';
import { TaskEvents, type TaskEventMap, type TaskEventName } from './task-events.js';
import { emptyStats, type TaskStats } from './task-stats.js';
import { UnavailableError } from './unavailable-error.js';
import type { TaskErrorReporter, TaskLogger, TaskRunnerOptions } from './task-runner-options.js';

/** What the error reporter learns about a failed task: the registry's own type (`context` is the Hono `Context` in the Hono adapter). */
export type { TaskErrorInfo };

export type { TaskErrorReporter, TaskLogger, TaskRunnerOptions } from './task-runner-options.js';

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
  readonly #driver: TaskBatchDriver;
  #closing = false;
  #drained: Promise<DrainReport> | undefined;

  constructor(options: TaskRunnerOptions = {}) {
    this.maxPending = options.maxPending ?? 10_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.taskTimeoutMs = options.taskTimeoutMs;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.#queue = options.queue;
    this.#onError = options.onError;
    this.#logger = options.logger ?? defaultLogger('errand');
    this.#events = new TaskEvents((error, event) => {
      this.#logger.error({ err: coerceError(error), event }, 'a task event listener threw');
    });
    this.#driver = new TaskBatchDriver({ stats: this.#stats, events: this.#events, logger: this.#logger, queue: this.#queue, onError: this.#onError, taskTimeoutMs: this.taskTimeoutMs });
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
    const state: BatchState = {
      runner: this, batch, whenSent: init.whenSent, sent: init.sent, status: undefined, next: 0, running: false, report: init.report,
      current: undefined, linked: false, previous: undefined, following: undefined,
    };
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
    this.#driver.track(state);
    const whenSent = state.whenSent;
    if (whenSent !== undefined) {
      const sent = state.sent;
      state.whenSent = undefined;
      state.sent = undefined;
      whenSent(batch, sent);
    }
    if (this.#driver.stopping) void this.#driver.dispose(state, undefined);
    else if (state.status !== undefined && !state.running) this.#driver.kick(state);
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
    if (this.#driver.stopping) void this.#driver.dispose(state, undefined);
    else this.#driver.kick(state);
  }

  /** Resolves when no task is pending (for tests and for shutdown). */
  onIdle(): Promise<void> {
    return this.#driver.onIdle();
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
    this.#driver.stopping = true;
    if (!idle) await this.#driver.giveUp(report);
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
    if (this.#driver.idle) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.onIdle().then(() => true), deadline]);
    } finally {
      clearTimeout(timer);
    }
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
