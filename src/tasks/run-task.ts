import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { TaskContext } from '../jobs/task-definition.js';
import { endSpan, runInTaskSpan, startTaskSpan, type TaskSpan } from '../tracing/task-span.js';
import { enterTask, leaveTask, type TaskContextSource } from './current-task.js';
import type { TaskEntry } from './task-entry.js';

/** How one in-process run of a task ended. */
export type RunOutcome =
  | { status: 'succeeded'; durationMs: number }
  | { status: 'failed'; error: Error; durationMs: number }
  /** The deadline passed; `late` settles when the task itself finally does (it may ignore the signal). */
  | { status: 'timed-out'; error: ErrandError; durationMs: number; late: Promise<void> }
  /** The shutdown deadline passed while it ran. */
  | { status: 'interrupted'; error: ErrandError; durationMs: number; late: Promise<void> };

/** How a run ended by itself or by its timeout (not interrupted by the drain). */
export type SettledOutcome = Exclude<RunOutcome, { status: 'interrupted' }>;

/**
 * One in-process run of a task: the constructor calls the task at once, and the runner awaits
 * `settled`, then asks `succeeded()` or `failed(thrown)` how it ended. A throw, a rejection, a
 * timeout and an interrupt all become a {@link RunOutcome}. With a timeout, `settled` is a race of
 * the task against its deadline: that is what lets the runner move on even when the task ignores
 * its AbortSignal. The task's context (its id and signal) is made only when something reads it.
 */
export class TaskRun implements TaskContextSource {
  readonly entry: TaskEntry;
  /** What the runner awaits: the task's result, or the first of it and its deadline. */
  readonly settled: unknown;
  readonly #started = performance.now();
  /** The task's span when the request was traced (see src/tracing). */
  readonly #span: TaskSpan | undefined;
  /** Made only for a task with a timeout that returned a promise (a pending task holds every field of its run). */
  #timeout: RunTimeout | undefined;
  #context: InlineTaskContext | undefined;
  #ended = false;

  constructor(entry: TaskEntry, timeoutMs: number | undefined, requestId?: string) {
    this.entry = entry;
    const previous = enterTask(this);
    this.#span = startTaskSpan(entry.trace, { name: entry.name, requestId, index: entry.index });
    let result: unknown;
    try {
      // Untraced (most requests), no closure to make.
      result = this.#span === undefined ? invoke(entry, this) : runInTaskSpan(this.#span, () => invoke(entry, this));
      // Read here, inside the try: a result whose `then` throws when read fails the task like a
      // throw, instead of throwing out of the runner with the run counted as running for good.
      if (isThenable(result) && timeoutMs !== undefined) result = this.#race(result, timeoutMs);
    } catch (thrown) {
      result = Promise.reject(coerceError(thrown));
    } finally {
      leaveTask(previous);
    }
    this.settled = result;
  }

  /** The task's context, made on first read (most tasks read neither its id nor its signal). */
  get context(): TaskContext {
    return (this.#context ??= new InlineTaskContext());
  }

  /** The trace id of the task's span, when the request was traced. */
  get traceId(): string | undefined {
    return this.#span?.span.spanContext().traceId;
  }

  /** How the run ended once `settled` fulfilled; `undefined` when the drain had already interrupted it. */
  succeeded(): SettledOutcome | undefined {
    const timedOut = this.#timeout?.timedOut;
    return this.#end(timedOut === undefined ? { status: 'succeeded', durationMs: this.#elapsed() } : this.#timeoutOutcome(timedOut));
  }

  /** How the run ended once `settled` rejected with `thrown`; `undefined` when the drain had already interrupted it. */
  failed(thrown: unknown): SettledOutcome | undefined {
    const timedOut = this.#timeout?.timedOut;
    return this.#end(timedOut === undefined ? { status: 'failed', error: coerceError(thrown), durationMs: this.#elapsed() } : this.#timeoutOutcome(timedOut));
  }

  /** At the shutdown deadline: aborts the signal and ends the run as interrupted; `undefined` when it had already ended. */
  interrupt(): RunOutcome | undefined {
    if (this.#ended) return undefined;
    const error = new ErrandError('ERRAND_TASK_DROPPED', `after-response task "${this.entry.name}" was still running at the shutdown deadline; its signal was aborted`);
    this.#abort(error);
    return this.#end({ status: 'interrupted', error, durationMs: this.#elapsed(), late: this.#late() });
  }

  /** The first of the task's promise and its deadline; the run remembers the task's own promise for {@link TaskRun.interrupt}. */
  #race(result: PromiseLike<unknown>, timeoutMs: number): Promise<unknown> {
    const timeout: RunTimeout = { result, timer: undefined, timedOut: undefined };
    this.#timeout = timeout;
    const deadline = new Promise<void>((resolve) => {
      timeout.timer = setTimeout(() => {
        const error = new ErrandError('ERRAND_TASK_TIMEOUT', `after-response task "${this.entry.name}" ran past its ${timeoutMs} ms timeout; its signal was aborted`);
        timeout.timedOut = { error, durationMs: this.#elapsed() };
        this.#abort(error);
        resolve();
      }, timeoutMs);
    });
    return Promise.race([result, deadline]);
  }

  #timeoutOutcome(timedOut: { error: ErrandError; durationMs: number }): SettledOutcome {
    return { status: 'timed-out', error: timedOut.error, durationMs: timedOut.durationMs, late: this.#late() };
  }

  /** Aborts the task's signal (made now if the task never read it: it may read it later). */
  #abort(reason: unknown): void {
    (this.#context ??= new InlineTaskContext()).abort(reason);
  }

  /** Settles when the task itself finally does. */
  #late(): Promise<void> {
    const result = this.#timeout === undefined ? this.settled : this.#timeout.result;
    return Promise.resolve(result).then(noop, noop);
  }

  #end<Outcome extends RunOutcome>(outcome: Outcome): Outcome | undefined {
    if (this.#ended) return undefined;
    this.#ended = true;
    clearTimeout(this.#timeout?.timer);
    endSpan(this.#span?.span, outcome);
    return outcome;
  }

  #elapsed(): number {
    return performance.now() - this.#started;
  }
}

/** A run's deadline: the task's own promise (raced against it), its timer, and how long the task had run when it passed. */
interface RunTimeout {
  readonly result: PromiseLike<unknown>;
  timer: NodeJS.Timeout | undefined;
  /** Set when the deadline passed first (the outcome is then a timeout, whatever the task does). */
  timedOut: { error: ErrandError; durationMs: number } | undefined;
}

/**
 * An after-response task's context. Its id and its AbortSignal are made when first read: most tasks
 * read neither, and an AbortController costs more than the rest of a task's bookkeeping (POST
 * /register with a 200 ms task, figure in the commit). A signal first read after the abort comes
 * already aborted, with the same reason.
 */
class InlineTaskContext implements TaskContext {
  readonly attempt = 1;
  #jobId: string | undefined;
  #controller: AbortController | undefined;
  #abortedWith: { reason: unknown } | undefined;

  get jobId(): string {
    return (this.#jobId ??= `inline:${randomUUID()}`);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith.reason);
    }
    return this.#controller.signal;
  }

  progress(): Promise<void> {
    return Promise.resolve();
  }

  abort(reason: unknown): void {
    this.#abortedWith ??= { reason };
    this.#controller?.abort(reason);
  }
}

function invoke(entry: TaskEntry, run: TaskRun): unknown {
  if (entry.kind === 'function') return (entry.fn as (...args: readonly unknown[]) => unknown)(...entry.args);
  const { definition } = entry;
  const context = run.context;
  return definition.parse(entry.payload).then((payload) => definition.options.handler(payload, context));
}

/** Whether `value` is a promise (or any thenable) to wait for. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function noop(): void {}
