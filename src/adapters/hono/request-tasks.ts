import type { Context } from 'hono';
import type { TaskErrorInfo } from '../../errors/task-error.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import type { SentResponse, TaskRunner } from '../../tasks/task-runner.js';

/** Anything with the error registry's task-error entry point (`createErrorRegistry()` fits). */
export interface TaskErrorRegistry {
  handleTaskError(error: Error, info: TaskErrorInfo): Promise<void>;
  /** Whether a task-error handler could read `info.context` (else the request is not kept alive for it). @default true when absent */
  hasTaskErrorHandlers?(): boolean;
}

/**
 * A new task list of `runner` for one admitted request, its failures sent to `registry` (else to the
 * runner's `onError`). Under @hono/node-server (`response` given) the runner starts the tasks when
 * the Node response closes; elsewhere the caller starts them with the final status.
 */
export function createRequestTasks(
  runner: TaskRunner,
  registry: TaskErrorRegistry | undefined,
  report: ((error: Error, info: TaskErrorInfo) => Promise<void>) | undefined,
  c: Context,
  requestId: string | undefined,
  response: SentResponse | undefined,
): BackgroundTasks {
  // The request's context goes to task-error handlers (`info.context`), kept only when one could
  // read it: a task holding it keeps the whole finished request alive.
  const reads = registry === undefined ? runner.reportsErrors : registry.hasTaskErrorHandlers?.() !== false;
  return runner.createBatch({ requestId, context: reads ? c : undefined, report, response });
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
