import type { MiddlewareHandler } from 'hono';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { createTaskRunner, type SentResponse, type TaskErrorInfo, type TaskErrorReporter, type TaskRunner, type TaskRunnerOptions } from '../../tasks/task-runner.js';

/** Anything with the error registry's task-error entry point (`createErrorRegistry()` fits). */
export interface TaskErrorRegistry {
  handleTaskError(error: Error, info: TaskErrorInfo): Promise<void>;
  /** Whether a task-error handler could read `info.context` (else the request is not kept alive for it). @default true when absent */
  hasTaskErrorHandlers?(): boolean;
}

/**
 * The Hono environment `background()` provides: `c.var.background` in every handler. Combine it
 * with errand's: `new Hono<ErrandEnv & BackgroundEnv>()`.
 */
export interface BackgroundEnv {
  Variables: { background: BackgroundTasks };
}

/** What the middleware reads from other middleware when present (errand's request id and registry). */
interface BackgroundReadEnv {
  Variables: {
    background: BackgroundTasks;
    requestId?: string;
    errand?: { registry: TaskErrorRegistry };
  };
}

/** Options of {@link background}. */
export interface BackgroundOptions extends TaskRunnerOptions {
  /** Share a runner (with `serve()` for shutdown, with metrics). @default createTaskRunner(options) */
  runner?: TaskRunner;
  /** Where task errors go. @default the registry `errand(app)` installed (`c.var.errand.registry`), else the runner's `onError` */
  registry?: TaskErrorRegistry;
}

/** The middleware, with the runner it feeds (for `serve({ runner })`, `runner.stats()`, `runner.on(...)`). */
export type BackgroundMiddleware = MiddlewareHandler<BackgroundEnv> & { readonly runner: TaskRunner };

/**
 * Gives every handler `c.var.background` and starts its tasks once the response has been fully
 * written: on Node (`@hono/node-server`) at the response's `'close'`, which follows `'finish'` by one
 * tick, or comes first when the client went away (a disconnect never cancels tasks). The final status, including an error
 * response made from a throw, decides which tasks run (`when`). Elsewhere (`app.request()`, other
 * runtimes) tasks start after the handler returned. Before the handler runs, a request is refused
 * with 503 ERRAND_OVERLOADED (`Retry-After`) at the in-flight bound, or ERRAND_SHUTTING_DOWN.
 *
 * Install it after `errand(app)` so task errors reach the app's registry with the request id.
 *
 * @example
 * const app = new Hono<ErrandEnv & BackgroundEnv>();
 * errand(app);
 * const tasks = background({ taskTimeoutMs: 30_000 });
 * app.use(tasks);
 * app.post('/register', (c) => {
 *   c.var.background.add(sendWelcomeEmail, 'ada@example.com');
 *   return c.json({ ok: true }, 201);
 * });
 * serve({ fetch: app.fetch, port: 3000, runner: tasks.runner });
 */
export function background(options: BackgroundOptions = {}): BackgroundMiddleware {
  const runner = options.runner ?? createTaskRunner(options);
  // One reporter per registry rather than one per request: a batch holds its reporter for as long
  // as its tasks run. The registry is the same object on every request of an app.
  let reporting: { registry: TaskErrorRegistry; report: TaskErrorReporter } | undefined;
  const reporterFor = (registry: TaskErrorRegistry): TaskErrorReporter => {
    if (reporting?.registry !== registry) reporting = { registry, report: (error, info) => registry.handleTaskError(error, info) };
    return reporting.report;
  };

  const middleware: MiddlewareHandler<BackgroundReadEnv> = async function backgroundTasks(c, next) {
    const requestId = c.get('requestId') ?? c.req.header('x-request-id');
    runner.admit(requestId);
    const registry = options.registry ?? c.get('errand')?.registry;
    // The request's context goes to task-error handlers (`info.context`), kept only when one could
    // read it: a task holding it keeps the whole finished request alive.
    const reads = registry === undefined ? runner.reportsErrors : registry.hasTaskErrorHandlers?.() !== false;
    // Under @hono/node-server the runner starts the tasks when the Node response closes.
    const response = nodeResponse(c.env);
    const batch = runner.createBatch({
      requestId,
      context: reads ? c : undefined,
      report: registry === undefined ? undefined : reporterFor(registry),
      response,
    });
    c.set('background', batch);
    if (response !== undefined) {
      await next();
      return;
    }
    let thrownStatus: number | undefined;
    try {
      await next();
    } catch (thrown) {
      thrownStatus = statusOf(thrown);
      throw thrown;
    } finally {
      runner.start(batch, thrownStatus ?? c.res.status);
    }
  };
  return Object.assign(middleware as MiddlewareHandler<BackgroundEnv>, { runner });
}

/** The Node response behind the request, when served by @hono/node-server (`c.env.outgoing`). */
function nodeResponse(env: unknown): SentResponse | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const outgoing = (env as { outgoing?: unknown }).outgoing;
  if (typeof outgoing !== 'object' || outgoing === null) return undefined;
  const candidate = outgoing as Partial<SentResponse>;
  return typeof candidate.once === 'function' && typeof candidate.statusCode === 'number' ? (outgoing as SentResponse) : undefined;
}

function statusOf(thrown: unknown): number {
  const status = typeof thrown === 'object' && thrown !== null ? (thrown as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
