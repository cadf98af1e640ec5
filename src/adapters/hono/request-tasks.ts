import type { Context, Next } from 'hono';
import type { TaskErrorInfo } from '../../errors/task-error.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import type { SentResponse, TaskRunner } from '../../tasks/task-runner.js';

/** Anything with the error registry's task-error entry point (`createErrorRegistry()` fits). */
export interface TaskErrorRegistry {
  handleTaskError(error: Error, info: TaskErrorInfo): Promise<void>;
  /** Whether a task-error handler could read `info.context` (else the request is not kept alive for it). @default true when absent */
  hasTaskErrorHandlers?(): boolean;
}

type TaskReporter = (error: Error, info: TaskErrorInfo) => Promise<void>;

/**
 * One request's after-response task list on the Hono adapter (`c.var.background`): a list on the
 * runner, so `runner.start(c.var.background, status)` starts it too. Under @hono/node-server
 * (`response` given) the runner starts its tasks when the Node response closes; elsewhere
 * {@link nextThenStart} starts them once the handler returned.
 */
export function requestTasks(runner: TaskRunner, registry: TaskErrorRegistry | undefined, report: TaskReporter | undefined, c: Context, requestId: string | undefined, response: SentResponse | undefined): BackgroundTasks {
  // The request's context goes to task-error handlers (`info.context`), kept only when one could
  // read it: a task holding it keeps the whole finished request alive.
  const reads = registry === undefined ? runner.reportsErrors : registry.hasTaskErrorHandlers?.() !== false;
  return runner.createBatch({ requestId, context: reads ? c : undefined, report, response });
}

/**
 * Runs the rest of the request (`next`) and, off Node (`onNode` false: `app.request()`, other
 * runtimes), then starts the request's tasks with the final status: the response's, or the status
 * of a throw that went on past every handler (its own 4xx/5xx, else 500). Under @hono/node-server
 * the runner starts them itself at the Node response's close. `answer` makes the response for a
 * throw Hono's `onError` never sees (a string, a plain object, `undefined`); without it such a
 * throw goes on like any other.
 *
 * @example
 * await nextThenStart(c, next, runner, c.var.background, nodeResponse(c.env) !== undefined);
 */
export async function nextThenStart(
  c: Context,
  next: Next,
  runner: TaskRunner,
  tasks: BackgroundTasks,
  onNode: boolean,
  answer?: (thrown: unknown, c: Context) => Response | Promise<Response>,
): Promise<void> {
  let status: number | undefined;
  try {
    await next();
  } catch (thrown) {
    if (answer === undefined || thrown instanceof Error) {
      status = thrownStatus(thrown);
      throw thrown;
    }
    c.res = await answer(thrown, c);
  } finally {
    if (!onNode) runner.start(tasks, status ?? c.res.status);
  }
}

/** The Node response behind the request, when served by @hono/node-server (`c.env.outgoing`). */
export function nodeResponse(env: unknown): SentResponse | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const outgoing = (env as { outgoing?: unknown }).outgoing;
  if (typeof outgoing !== 'object' || outgoing === null) return undefined;
  const candidate = outgoing as Partial<SentResponse>;
  return typeof candidate.on === 'function' && typeof candidate.statusCode === 'number' ? (outgoing as SentResponse) : undefined;
}

/** The status a thrown value that reached no error handler stands for: its own 4xx/5xx `status`, else 500. */
export function thrownStatus(thrown: unknown): number {
  const status = typeof thrown === 'object' && thrown !== null ? (thrown as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
