import type { Context } from 'hono';
import type { TaskErrorInfo } from '../../errors/task-error.js';
import type { AnyTask } from '../../jobs/task-definition.js';
import { BackgroundTasks, type AddArguments, type TaskSink } from '../../tasks/background-tasks.js';
import type { AddOptions, TaskEntry } from '../../tasks/task-entry.js';
import type { SentResponse, TaskRunner } from '../../tasks/task-runner.js';

/** Anything with the error registry's task-error entry point (`createErrorRegistry()` fits). */
export interface TaskErrorRegistry {
  handleTaskError(error: Error, info: TaskErrorInfo): Promise<void>;
  /** Whether a task-error handler could read `info.context` (else the request is not kept alive for it). @default true when absent */
  hasTaskErrorHandlers?(): boolean;
}

type TaskReporter = (error: Error, info: TaskErrorInfo) => Promise<void>;

// A RequestTasks hands every task to its runner's batch: nothing ever reaches this sink.
const forwarded: TaskSink = {
  accept() {
    throw new Error('errand: a RequestTasks forwards its tasks to its batch');
  },
};

/**
 * One request's after-response task list on the Hono adapter (`c.var.background`), whose batch on
 * the runner is made by its first `add`: most requests add no task, and Hono's request variables
 * cannot be getters, as Fastify's and Express's lazy `background` are. Under @hono/node-server
 * (`response` given) the runner starts the tasks when the Node response closes; elsewhere call
 * {@link RequestTasks.start} with the final status.
 */
export class RequestTasks extends BackgroundTasks {
  readonly #runner: TaskRunner;
  readonly #report: TaskReporter | undefined;
  readonly #response: SentResponse | undefined;
  #batch: BackgroundTasks | undefined = undefined;
  /** The final status, once `start` was called (a task may still be added to a streaming response). */
  #status: number | undefined = undefined;

  constructor(runner: TaskRunner, registry: TaskErrorRegistry | undefined, report: TaskReporter | undefined, c: Context, requestId: string | undefined, response: SentResponse | undefined) {
    // The request's context goes to task-error handlers (`info.context`), kept only when one could
    // read it: a task holding it keeps the whole finished request alive.
    const reads = registry === undefined ? runner.reportsErrors : registry.hasTaskErrorHandlers?.() !== false;
    super(forwarded, { requestId, context: reads ? c : undefined });
    this.#runner = runner;
    this.#report = report;
    this.#response = response;
  }

  override get entries(): readonly TaskEntry[] {
    return this.#batch?.entries ?? [];
  }

  override add<First extends AnyTask | AddOptions | ((...args: never[]) => unknown), Args extends unknown[] = []>(first: First, ...rest: AddArguments<First, Args>): void;
  override add(first: unknown, ...rest: unknown[]): void {
    let batch = this.#batch;
    if (batch === undefined) {
      batch = this.#batch = this.#runner.createBatch({ requestId: this.requestId, context: this.context, report: this.#report, response: this.#response });
      // Added after the response was sent (a stream still being written): the batch runs at once.
      if (this.#status !== undefined) this.#runner.start(batch, this.#status);
    }
    (batch as unknown as { add(first: unknown, ...rest: unknown[]): void }).add(first, ...rest);
  }

  /** Starts the tasks once the response was sent, with its final status (not needed under @hono/node-server). */
  start(status: number): void {
    this.#status ??= status;
    if (this.#batch !== undefined) this.#runner.start(this.#batch, status);
  }
}

/** The Node response behind the request, when served by @hono/node-server (`c.env.outgoing`). */
export function nodeResponse(env: unknown): SentResponse | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const outgoing = (env as { outgoing?: unknown }).outgoing;
  if (typeof outgoing !== 'object' || outgoing === null) return undefined;
  const candidate = outgoing as Partial<SentResponse>;
  return typeof candidate.once === 'function' && typeof candidate.statusCode === 'number' ? (outgoing as SentResponse) : undefined;
}

/** The status a thrown value that reached no error handler stands for: its own 4xx/5xx `status`, else 500. */
export function thrownStatus(thrown: unknown): number {
  const status = typeof thrown === 'object' && thrown !== null ? (thrown as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
