import type { MiddlewareHandler } from 'hono';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { createTaskRunner, type TaskErrorInfo, type TaskRunner, type TaskRunnerOptions } from '../../tasks/task-runner.js';
import { nextThenStart, nodeResponse, requestTasks, type TaskErrorRegistry } from './request-tasks.js';

export type { TaskErrorRegistry };

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
    errand?: { registry: TaskErrorRegistry; runner: TaskRunner };
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
 * The after-response task list for apps that do not call `errand(app)`, which gives every request
 * its list itself (`errand(app, { background })`: one middleware). Gives every handler
 * `c.var.background` and starts its tasks once the response has been fully written: on Node
 * (`@hono/node-server`) at the response's `'close'`, which follows `'finish'` by one tick, or comes
 * first when the client went away (a disconnect never cancels tasks). The final status, including an
 * error response made from a throw, decides which tasks run (`when`). Elsewhere (`app.request()`,
 * other runtimes) tasks start after the handler returned. Before the handler runs, a request is
 * refused with 503 ERRAND_OVERLOADED (`Retry-After`) at the in-flight bound, or ERRAND_SHUTTING_DOWN.
 *
 * After `errand(app)` it passes the request on untouched when it feeds errand's own runner
 * (`background({ runner: errand(app).runner })`); with a runner of its own it gives the request a
 * list on that runner instead of errand's (the set-up from before `errand` took `background`), and
 * task errors still reach errand's registry with the request id.
 *
 * @example
 * const app = new Hono<BackgroundEnv>();
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
  let reporting: { registry: TaskErrorRegistry; report: (error: Error, info: TaskErrorInfo) => Promise<void> } | undefined;
  const reporterFor = (registry: TaskErrorRegistry) => {
    if (reporting?.registry !== registry) reporting = { registry, report: (error, info) => registry.handleTaskError(error, info) };
    return reporting.report;
  };

  const middleware: MiddlewareHandler<BackgroundReadEnv> = function backgroundTasks(c, next) {
    const installed = c.get('errand');
    // errand(app) already gave this request a list on this runner: one list, one admission.
    if (installed?.runner === runner) return next();
    const requestId = c.get('requestId') ?? c.req.header('x-request-id');
    runner.admit(requestId);
    const registry = options.registry ?? installed?.registry;
    // Under @hono/node-server the runner starts the tasks when the Node response closes.
    const response = nodeResponse(c.env);
    const tasks = requestTasks(runner, registry, registry === undefined ? undefined : reporterFor(registry), c, requestId, response);
    c.set('background', tasks);
    return nextThenStart(c, next, runner, tasks, response !== undefined);
  };
  return Object.assign(middleware as MiddlewareHandler<BackgroundEnv>, { runner });
}
