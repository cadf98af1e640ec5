import { coerceError } from '../errors/coerce-error.js';
import type { Enqueuer } from '../jobs/task-definition.js';
import type { BackgroundTasks } from './background-tasks.js';
import { collectRemaining, type DrainReport } from './drain.js';
import { LinkedSet, type Linkable } from './linked-set.js';
import { TaskRun, type RunOutcome } from './run-task.js';
import { shouldRun, taskInfo, type DefinedTaskEntry, type TaskEntry } from './task-entry.js';
import type { TaskEvents, TaskInfo } from './task-events.js';
import type { TaskErrorReporter, TaskLogger } from './task-runner-options.js';
import type { TaskStats } from './task-stats.js';

/** A runner's bookkeeping for one request's batch, kept on the batch itself (and linked into the driver's pending set). */
export interface BatchState extends Linkable<BatchState> {
  /** The runner that made the batch: a batch from another runner is refused. */
  runner: object;
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
  /** The async run in progress, interrupted at the drain deadline. */
  current: TaskRun<BatchState> | undefined;
}

type RunningTask = TaskRun<BatchState>;

// What #runEntry returns for a task that is still running (the loop resumes when it settles).
const later = Symbol('later');

/** What a driver shares with its runner. */
export interface TaskBatchDriverOptions {
  /** The runner's counters, updated in place. */
  stats: TaskStats;
  events: TaskEvents;
  logger: TaskLogger;
  queue: Enqueuer | undefined;
  onError: TaskErrorReporter | undefined;
  taskTimeoutMs: number | undefined;
}

/**
 * Runs the batches a runner has started: each batch's tasks in order, one after the other, and
 * records how each ended (counters, events, the log and the error reporter). It also knows which
 * batches are still pending, for `onIdle()`, and gives up on them at the drain deadline.
 *
 * The hot path allocates nothing per task beyond its run: synchronous tasks run back to back without
 * a promise, and every async run reports to the one `#runSettled` function, not a closure of its own.
 */
export class TaskBatchDriver {
  /** Set by the runner once the drain deadline has passed or the drain found nothing pending: no task starts any more. */
  stopping = false;
  readonly #stats: TaskStats;
  readonly #events: TaskEvents;
  readonly #logger: TaskLogger;
  readonly #queue: Enqueuer | undefined;
  readonly #onError: TaskErrorReporter | undefined;
  readonly #taskTimeoutMs: number | undefined;
  // The batches with a task pending, linked through the batches themselves.
  readonly #pending = new LinkedSet<BatchState>();
  // Batches kicked since the last microtask: one microtask runs them all, no closure per batch.
  #kicked: BatchState[] = [];
  #idleWaiters: (() => void)[] = [];

  constructor(options: TaskBatchDriverOptions) {
    this.#stats = options.stats;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#queue = options.queue;
    this.#onError = options.onError;
    this.#taskTimeoutMs = options.taskTimeoutMs;
  }

  /** Whether no batch has a task pending. */
  get idle(): boolean {
    return this.#pending.size === 0;
  }

  /** Counts the batch as pending until its last task has settled. */
  track(state: BatchState): void {
    this.#pending.add(state);
  }

  /** Resolves when no task is pending. */
  onIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Starts (or resumes) running the batch's tasks, on a microtask. */
  kick(state: BatchState): void {
    state.running = true;
    // Out of the caller's stack, on a microtask: a setImmediate per request (the previous choice)
    // made the event loop spin once per response, which doubled the server's CPU per request.
    if (this.#kicked.push(state) === 1) queueMicrotask(this.#driveKicked);
  }

  readonly #driveKicked = (): void => {
    const kicked = this.#kicked;
    this.#kicked = [];
    for (const state of kicked) this.#drive(state);
  };

  /** At the drain deadline: aborts the running tasks (naming them in `report`) and disposes of every pending batch. */
  async giveUp(report: DrainReport): Promise<void> {
    const pending = this.#pending.toArray();
    const running = pending.flatMap((state) => (state.current === undefined ? [] : [state.current]));
    for (const { state, entry } of running) report.interrupted.push({ task: entry.name, requestId: state.batch.requestId });
    for (const run of running) run.interrupt();
    for (const state of pending) await this.dispose(state, report);
  }

  /** Moves what a batch has not run yet to the queue (defined tasks) or drops it, after the deadline. */
  async dispose(state: BatchState, report: DrainReport | undefined): Promise<void> {
    await collectRemaining(state, report, {
      ruledOut: (entry) => {
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

  // Runs the batch's entries in order. Synchronous tasks run back to back without a promise; at
  // the first task still pending, the loop continues once it settles.
  #drive(state: BatchState): void {
    const { entries } = state.batch;
    try {
      while (state.next < entries.length && !this.stopping) {
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
    const outcome = run.start(entry.timeout ?? this.#taskTimeoutMs);
    if (outcome !== undefined) return this.#settle(state, entry, outcome);
    state.current = run;
    return later;
  }

  // One function for every async run (not a closure per task): records the outcome, then resumes the batch.
  readonly #runSettled = (run: RunningTask, outcome: RunOutcome): void => {
    const { state } = run;
    state.current = undefined;
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

  #abandon(late: Promise<void>): void {
    this.#stats.abandoned++;
    void late.then(() => {
      this.#stats.abandoned--;
    });
  }

  #retire(state: BatchState): void {
    if (!this.#pending.delete(state) || this.#pending.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
