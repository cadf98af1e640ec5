import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { TaskContext } from '../jobs/task-definition.js';
import { endSpan, runInTaskSpan, startTaskSpan, type TaskSpan } from '../tracing/task-span.js';
import { enterTask, leaveTask } from './current-task.js';
import type { TaskEntry } from './task-entry.js';

/** How one in-process run of a task ended. */
export type RunOutcome =
  | { status: 'succeeded'; durationMs: number }
  | { status: 'failed'; error: Error; durationMs: number }
  /** The deadline passed; `late` settles when the task itself finally does (it may ignore the signal). */
  | { status: 'timed-out'; error: ErrandError; durationMs: number; late: Promise<void> }
  /** The shutdown deadline passed while it ran. */
  | { status: 'interrupted'; error: ErrandError; durationMs: number; late: Promise<void> };

/**
 * One in-process run of a task. `outcome` never rejects: a throw, a rejection, a timeout and an
 * interrupt all become an outcome. The race against the deadline is what lets the runner move on
 * even when the task ignores its AbortSignal.
 */
export class TaskRun {
  readonly entry: TaskEntry;
  readonly outcome: Promise<RunOutcome>;
  readonly #context = new InlineTaskContext();
  readonly #started = performance.now();
  #settle: (outcome: RunOutcome) => void = () => {};
  #done = false;
  #timer: NodeJS.Timeout | undefined;
  #result: Promise<unknown> = Promise.resolve();
  /** The task's span when the request was traced (see src/tracing). */
  readonly #span: TaskSpan | undefined;

  constructor(entry: TaskEntry, timeoutMs: number | undefined, requestId?: string) {
    this.entry = entry;
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    const context = this.#context;
    const previous = enterTask({ context });
    this.#span = startTaskSpan(entry.trace, { name: entry.name, requestId, index: entry.index });
    try {
      this.#result = Promise.resolve(runInTaskSpan(this.#span, () => invoke(entry, context)));
    } catch (thrown) {
      this.#result = Promise.reject(coerceError(thrown));
    } finally {
      leaveTask(previous);
    }
    this.#result.then(
      () => this.#finish({ status: 'succeeded', durationMs: this.#elapsed() }),
      (thrown: unknown) => this.#finish({ status: 'failed', error: coerceError(thrown), durationMs: this.#elapsed() }),
    );
    if (timeoutMs !== undefined && !this.#done) this.#timer = setTimeout(() => this.#timeOut(timeoutMs), timeoutMs);
  }

  /** The trace id of the task's span, when the request was traced. */
  get traceId(): string | undefined {
    return this.#span?.span.spanContext().traceId;
  }

  /** Aborts the signal at the shutdown deadline and reports the run as interrupted. */
  interrupt(): void {
    const error = new ErrandError('ERRAND_TASK_DROPPED', `after-response task "${this.entry.name}" was still running at the shutdown deadline; its signal was aborted`);
    this.#abandon('interrupted', error);
  }

  #timeOut(timeoutMs: number): void {
    const error = new ErrandError('ERRAND_TASK_TIMEOUT', `after-response task "${this.entry.name}" ran past its ${timeoutMs} ms timeout; its signal was aborted`);
    this.#abandon('timed-out', error);
  }

  #abandon(status: 'interrupted' | 'timed-out', error: ErrandError): void {
    if (this.#done) return;
    this.#context.abort(error);
    this.#finish({ status, error, durationMs: this.#elapsed(), late: this.#result.then(noop, noop) });
  }

  #finish(outcome: RunOutcome): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    endSpan(this.#span?.span, outcome);
    this.#settle(outcome);
  }

  #elapsed(): number {
    return performance.now() - this.#started;
  }
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

function invoke(entry: TaskEntry, context: TaskContext): unknown {
  if (entry.kind === 'function') return (entry.fn as (...args: readonly unknown[]) => unknown)(...entry.args);
  const { definition } = entry;
  return definition.parse(entry.payload).then((payload) => definition.options.handler(payload, context));
}

function noop(): void {}
