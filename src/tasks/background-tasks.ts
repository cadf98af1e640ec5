import { isTaskDefinition, type AnyTask, type TaskInput } from '../jobs/task-definition.js';
import { captureTraceContext } from '../tracing/task-span.js';
import type { AddOptions, DefinedAddOptions, FunctionTaskEntry, TaskEntry } from './task-entry.js';

/** Where a {@link BackgroundTasks} hands each task it is given (the runner). */
export interface TaskSink {
  accept(tasks: BackgroundTasks, entry: TaskEntry): void;
}

let readSink: (tasks: BackgroundTasks) => TaskSink;

const noEntries: readonly TaskEntry[] = Object.freeze([]);

/** The sink a task list was made with (for the runner that made it; not part of the public API). */
export function sinkOf(tasks: BackgroundTasks): TaskSink {
  return readSink(tasks);
}

/** What a request's task list knows about its request. */
export interface BackgroundTasksInit {
  /** Logged with every task error and passed to the error reporter. */
  requestId?: string | undefined;
  /** The request's context (the Hono `Context`), passed to task-error handlers. */
  context?: unknown;
}

/** What follows the first argument of {@link BackgroundTasks.add}. */
export type AddArguments<First, Args extends unknown[]> = First extends AnyTask
  ? [payload: TaskInput<First>, options?: DefinedAddOptions]
  : First extends (...args: infer FnArgs) => unknown
    ? FnArgs
    : [fn: (...args: Args) => unknown, ...args: Args];

/**
 * The after-response tasks of one request, FastAPI's `BackgroundTasks` without its traps. Every
 * handler gets one (`c.var.background`). Tasks run after the response has been fully sent, one
 * after the other in the order added; a failing task never stops the next one.
 *
 * Inside a plain function task, `currentTask()` gives its `AbortSignal`; a task made with
 * `defineTask` receives it in its handler's context.
 *
 * @example
 * app.post('/register', async (c) => {
 *   const user = await c.req.json<{ email: string }>();
 *   c.var.background.add(sendWelcomeEmail, user.email);                  // after a < 400 response
 *   c.var.background.add({ when: 'always', timeout: 2_000 }, audit, 'register');
 *   c.var.background.add(welcomeTask, { email: user.email }, { durable: true }); // enqueued instead
 *   return c.json({ ok: true }, 201);
 * });
 */
export class BackgroundTasks {
  readonly requestId: string | undefined;
  readonly context: unknown;
  readonly #sink: TaskSink;
  /** Made by the first add: most requests add no task. */
  #entries: TaskEntry[] | undefined;

  static {
    readSink = (tasks) => tasks.#sink;
  }

  constructor(sink: TaskSink, init: BackgroundTasksInit = {}) {
    this.#sink = sink;
    this.requestId = init.requestId;
    this.context = init.context;
  }

  /** The tasks added so far, in order. */
  get entries(): readonly TaskEntry[] {
    return this.#entries ?? noEntries;
  }

  /**
   * - `add(task, payload, options?)`: runs a defined task in this process after the response, or
   *   enqueues it durably with `{ durable: true }`; the payload is the task's {@link TaskInput}.
   * - `add(fn, ...args)`: runs `fn(...args)` after the response.
   * - `add(options, fn, ...args)`: the same with options (`when`, `timeout`, `name`).
   *
   * One signature, not three overloads, so that a wrong payload is reported on the payload itself
   * rather than as "no overload matches this call".
   */
  add<First extends AnyTask | AddOptions | ((...args: never[]) => unknown), Args extends unknown[] = []>(first: First, ...rest: AddArguments<First, Args>): void;
  add(first: unknown, ...rest: unknown[]): void {
    const entries = this.#entries;
    const entry = toEntry(entries?.length ?? 0, first, rest, captureTraceContext());
    if (entries === undefined) this.#entries = [entry];
    else entries.push(entry);
    try {
      this.#sink.accept(this, entry);
    } catch (error) {
      this.#entries = entries;
      entries?.pop();
      throw error;
    }
  }
}

function toEntry(index: number, first: unknown, rest: unknown[], trace: object | undefined): TaskEntry {
  if (typeof first === 'function') return { kind: 'function', index, name: nameOf(first), when: 'success', timeout: undefined, trace, fn: first as FunctionTaskEntry['fn'], args: rest };
  if (isTaskDefinition(first)) {
    const options = (rest[1] ?? {}) as DefinedAddOptions;
    return {
      kind: 'definition',
      index,
      name: first.name,
      when: options.when ?? 'success',
      timeout: options.timeout ?? first.options.timeout,
      definition: first,
      payload: rest[0],
      durable: options.durable ?? false,
      enqueue: options.enqueue,
      trace,
    };
  }
  const [fn, ...args] = rest;
  if (typeof first !== 'object' || first === null || typeof fn !== 'function') {
    throw new TypeError('background.add expects (fn, ...args), (options, fn, ...args) or (task, payload, options)');
  }
  const options = first as AddOptions;
  return { kind: 'function', index, name: options.name ?? nameOf(fn), when: options.when ?? 'success', timeout: options.timeout, trace, fn: fn as FunctionTaskEntry['fn'], args };
}

function nameOf(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === 'string' && name.length > 0 ? name : 'anonymous';
}
