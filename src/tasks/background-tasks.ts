import { isTaskDefinition, type TaskDefinition } from '../jobs/task-definition.js';
import type { AddOptions, DefinedAddOptions, FunctionTaskEntry, TaskEntry, TaskWhen } from './task-entry.js';

/** Where a {@link BackgroundTasks} hands each task it is given (the runner). */
export interface TaskSink {
  accept(batch: BackgroundTasks, entry: TaskEntry): void;
}

/**
 * Where a runner keeps its bookkeeping for a batch, on the batch itself: a WeakMap from batch to
 * state cost more per request than everything else the batch does. Not part of the public API.
 */
export const runnerState = Symbol('errand.runnerState');

/** What a request's task list knows about its request. */
export interface BackgroundTasksInit {
  /** Logged with every task error and passed to the error reporter. */
  requestId?: string | undefined;
  /** The request's context (the Hono `Context`), passed to task-error handlers. */
  context?: unknown;
}

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
  // Made at the first task: most requests add none, and every request gets a list.
  #entries: TaskEntry[] | undefined;
  /** The runner's bookkeeping for this batch (see {@link runnerState}). */
  [runnerState]: unknown;

  constructor(sink: TaskSink, init: BackgroundTasksInit = {}) {
    this.#sink = sink;
    this.requestId = init.requestId;
    this.context = init.context;
  }

  /** The tasks added so far, in order. */
  get entries(): readonly TaskEntry[] {
    return this.#entries ?? noEntries;
  }

  /** Runs `task` in this process after the response (or enqueues it durably with `durable: true`). */
  add<Payload>(task: TaskDefinition<Payload, unknown>, payload: Payload, options?: DefinedAddOptions): void;
  /** Runs `fn(...args)` after the response. */
  add<Args extends unknown[]>(fn: (...args: Args) => unknown, ...args: Args): void;
  /** Runs `fn(...args)` after the response, with options (`when`, `timeout`, `name`). */
  add<Args extends unknown[]>(options: AddOptions, fn: (...args: Args) => unknown, ...args: Args): void;
  add(first: unknown, ...rest: unknown[]): void {
    const entry = this.#toEntry(first, rest);
    // `[entry]`, not `[]` then push: a pushed-to empty array reserves 16 slots, and the list lives
    // as long as the request's tasks do (at thousands in flight, the GC copies each one).
    let entries = this.#entries;
    if (entries === undefined) this.#entries = entries = [entry];
    else entries.push(entry);
    try {
      this.#sink.accept(this, entry);
    } catch (error) {
      entries.pop();
      throw error;
    }
  }

  #toEntry(first: unknown, rest: unknown[]): TaskEntry {
    const index = this.#entries?.length ?? 0;
    if (typeof first === 'function') return new FunctionEntry(index, undefined, 'success', undefined, first as FunctionEntryFn, rest);
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
      };
    }
    const [fn, ...args] = rest;
    if (typeof first !== 'object' || first === null || typeof fn !== 'function') {
      throw new TypeError('background.add expects (fn, ...args), (options, fn, ...args) or (task, payload, options)');
    }
    const options = first as AddOptions;
    return new FunctionEntry(index, options.name, options.when ?? 'success', options.timeout, fn as FunctionEntryFn, args);
  }
}

type FunctionEntryFn = (...args: never[]) => unknown;

/**
 * A plain function task. Its name is read from the function when first asked for (logs, events,
 * errors): reading `fn.name` is a call into the runtime, and most tasks finish without anyone asking.
 */
class FunctionEntry implements FunctionTaskEntry {
  declare readonly kind: 'function';
  #name: string | undefined;

  constructor(
    readonly index: number,
    name: string | undefined,
    readonly when: TaskWhen,
    readonly timeout: number | undefined,
    readonly fn: FunctionEntryFn,
    readonly args: readonly unknown[],
  ) {
    this.#name = name;
  }

  get name(): string {
    return (this.#name ??= nameOf(this.fn));
  }
}

Object.defineProperty(FunctionEntry.prototype, 'kind', { value: 'function', enumerable: true });

const noEntries: readonly TaskEntry[] = Object.freeze([]);

function nameOf(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === 'string' && name.length > 0 ? name : 'anonymous';
}
