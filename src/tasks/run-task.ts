import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { TaskContext } from '../jobs/task-definition.js';
import { enterTask, leaveTask, type TaskContextSource } from './current-task.js';
import type { TaskEntry } from './task-entry.js';
import { LazyAbort } from '../jobs/lazy-abort.js';

/** How one in-process run of a task ended. */
export type RunOutcome =
  | { status: 'succeeded'; durationMs: number }
  | { status: 'failed'; error: Error; durationMs: number }
  /** The deadline passed; `late` settles when the task itself finally does (it may ignore the signal). */
  | { status: 'timed-out'; error: ErrandError; durationMs: number; late: Promise<void> }
  /** The shutdown deadline passed while it ran. */
  | { status: 'interrupted'; error: ErrandError; durationMs: number; late: Promise<void> };

/** Receives the outcome of a run that did not finish synchronously. */
export type RunSettled<State> = (run: TaskRun<State>, outcome: RunOutcome) => void;

/**
 * One in-process run of a task. Never throws or rejects: a throw, a rejection, a timeout and an
 * interrupt all become an outcome. A task that returns something other than a promise is done
 * when it returns: `start()` returns its outcome (no promise, no timer). For an async task,
 * `start()` returns `undefined` and `settled` gets the outcome later; the race against the
 * deadline is what lets the runner move on even when the task ignores its AbortSignal.
 *
 * One object per run, no promise of its own: at thousands of tasks in flight, what each keeps
 * alive is what the garbage collector pays for on every request.
 */
export class TaskRun<State> {
  readonly started = performance.now();
  #context: LazyTaskContext | undefined;
  #done = false;
  #timer: NodeJS.Timeout | undefined;
  #pending: PromiseLike<unknown> | undefined;

  constructor(
    readonly entry: TaskEntry,
    /** The runner's bookkeeping for the batch this task belongs to. */
    readonly state: State,
    private readonly settled: RunSettled<State>,
  ) {}

  /**
   * The task's context (signal, id), made on first use: by `currentTask()` in the task's
   * synchronous part, or for a defined task's handler. Most plain tasks never ask for it.
   */
  get context(): LazyTaskContext {
    return (this.#context ??= new LazyTaskContext());
  }

  /** Runs the task; its outcome when it finished synchronously, else `undefined`. */
  start(timeoutMs: number | undefined): RunOutcome | undefined {
    let result: unknown;
    const previous = enterTask(this);
    try {
      result = invoke(this.entry, this);
    } catch (thrown) {
      return { status: 'failed', error: coerceError(thrown), durationMs: this.#elapsed() };
    } finally {
      leaveTask(previous);
    }
    if (!isThenable(result)) return { status: 'succeeded', durationMs: this.#elapsed() };
    this.#pending = result;
    if (timeoutMs !== undefined) this.#timer = setTimeout(timeOut, timeoutMs, this, timeoutMs);
    // Both branches are handled, so a task that rejects after its deadline is never unhandled.
    result.then(
      () => this.#finish({ status: 'succeeded', durationMs: this.#elapsed() }),
      (thrown: unknown) => this.#finish({ status: 'failed', error: coerceError(thrown), durationMs: this.#elapsed() }),
    );
    return undefined;
  }

  /** Aborts the signal at the shutdown deadline and reports the run as interrupted. */
  interrupt(): void {
    if (this.#done) return;
    const error = new ErrandError('ERRAND_TASK_DROPPED', `after-response task "${this.entry.name}" was still running at the shutdown deadline; its signal was aborted`);
    // A context nobody asked for has no signal anyone listens to.
    this.#context?.abort(error);
    this.#finish({ status: 'interrupted', error, durationMs: this.#elapsed(), late: this.#late() });
  }

  /** Called by the timer. */
  timeOut(timeoutMs: number): void {
    if (this.#done) return;
    const error = new ErrandError('ERRAND_TASK_TIMEOUT', `after-response task "${this.entry.name}" ran past its ${timeoutMs} ms timeout; its signal was aborted`);
    this.#context?.abort(error);
    this.#finish({ status: 'timed-out', error, durationMs: this.#elapsed(), late: this.#late() });
  }

  #finish(outcome: RunOutcome): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.settled(this, outcome);
  }

  // Settles when the abandoned task itself finally does; made only for a task that is abandoned.
  #late(): Promise<void> {
    return Promise.resolve(this.#pending).then(noop, noop);
  }

  #elapsed(): number {
    return performance.now() - this.started;
  }
}

function timeOut<State>(run: TaskRun<State>, timeoutMs: number): void {
  run.timeOut(timeoutMs);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The context of an in-process run. Its AbortController and id are made on first use: most tasks
 * never look at them, and at thousands of tasks in flight they are most of a task's memory.
 */
class LazyTaskContext extends LazyAbort implements TaskContext {
  readonly attempt = 1;
  #jobId: string | undefined;

  get jobId(): string {
    return (this.#jobId ??= `inline:${randomUUID()}`);
  }

  progress(): Promise<void> {
    return Promise.resolve();
  }
}

function invoke(entry: TaskEntry, source: TaskContextSource): unknown {
  if (entry.kind === 'function') return (entry.fn as (...args: readonly unknown[]) => unknown)(...entry.args);
  const { definition } = entry;
  const context = source.context;
  return definition.parse(entry.payload).then((payload) => definition.options.handler(payload, context));
}

function noop(): void {}
