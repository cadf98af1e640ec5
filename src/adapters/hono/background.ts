import type { Context, MiddlewareHandler } from 'hono';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { createTaskRunner, type TaskErrorInfo, type TaskErrorReporter, type TaskRunner, type TaskRunnerOptions } from '../../tasks/task-runner.js';

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

/** Lets `errand(app)` run an app-wide `background()` inside its own per-request step (one layer less). */
export const inlineBackground = Symbol('errand.inlineBackground');

/** What `errand(app)` calls instead of the middleware when it runs `background()` inline. */
export interface InlineBackground {
  readonly runner: TaskRunner;
  /**
   * Admits the request (or throws the 503) and sets `c.var.background`. Returns `undefined` on Node
   * (tasks start at the response's end), elsewhere the batch to start once the handler returned.
   */
  prepare(c: Context): BackgroundTasks | undefined;
}

/** The middleware, with the runner it feeds (for `serve({ runner })`, `runner.stats()`, `runner.on(...)`). */
export type BackgroundMiddleware = MiddlewareHandler<BackgroundEnv> & { readonly runner: TaskRunner; readonly [inlineBackground]: InlineBackground };

interface NodeResponseLike {
  statusCode: number;
  writableFinished: boolean;
  /** True once the connection closed (the client may have gone away before the handler returned). */
  destroyed: boolean;
  on(event: 'close', listener: () => void): unknown;
}

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
  const fixedReporter = options.registry === undefined ? undefined : reporterOf(options.registry);
  // One reporter per registry, not one closure per request (an app has one registry).
  let lastRegistry: TaskErrorRegistry | undefined;
  let lastReporter: TaskErrorReporter | undefined;
  const reporterFor = (registry: TaskErrorRegistry): TaskErrorReporter => {
    if (registry !== lastRegistry) {
      lastRegistry = registry;
      lastReporter = reporterOf(registry);
    }
    return lastReporter!;
  };

  const whenSent = (batch: BackgroundTasks, sent: unknown): void => {
    const outgoing = sent as NodeResponseLike;
    afterResponse(outgoing, () => runner.start(batch, outgoing.statusCode));
  };
  // The request's context goes to task-error handlers (`info.context`). Kept only when one exists:
  // a task holding it keeps the whole finished request alive (Hono context, Node request and
  // response: ~8 KB), which at thousands of 200 ms tasks in flight the GC pays for on every request.
  const contextFor = (c: Context, registry: TaskErrorRegistry | undefined): Context | undefined => {
    if (registry === undefined) return runner.reportsErrors ? c : undefined;
    return registry.hasTaskErrorHandlers?.() === false ? undefined : c;
  };

  const prepare = (c: Context<BackgroundReadEnv>): BackgroundTasks | undefined => {
    const requestId = c.get('requestId') ?? headerRequestId(c);
    runner.admit(requestId);
    const installed = c.get('errand');
    const registry = options.registry ?? installed?.registry;
    const report = registry === undefined ? undefined : fixedReporter ?? reporterFor(registry);
    const context = contextFor(c, registry);
    const outgoing = nodeResponse(c.env);
    if (outgoing !== undefined) {
      // On Node the response's end is hooked at the first task added: a request that adds none
      // costs no listener and no extra async step here.
      c.set('background', runner.createBatch({ requestId, context, report, whenSent, sent: outgoing }));
      return undefined;
    }
    const batch = runner.createBatch({ requestId, context, report });
    c.set('background', batch);
    return batch;
  };

  const middleware: MiddlewareHandler<BackgroundReadEnv> = function backgroundTasks(c, next) {
    const batch = prepare(c);
    return batch === undefined ? next() : runAfterHandler(runner, batch, c, next);
  };
  const inline: InlineBackground = { runner, prepare: prepare as (c: Context) => BackgroundTasks | undefined };
  return Object.assign(middleware as MiddlewareHandler<BackgroundEnv>, { runner, [inlineBackground]: inline });
}

/** The inline form of a `background()` middleware, `undefined` for any other handler. */
export function inlineBackgroundOf(handler: unknown): InlineBackground | undefined {
  return typeof handler === 'function' ? (handler as Partial<BackgroundMiddleware>)[inlineBackground] : undefined;
}

/**
 * Starts `batch` once `result` (what the handler returned) settled, with the status it answered
 * (outside Node, where no response end can be hooked).
 */
export async function startAfter(runner: TaskRunner, batch: BackgroundTasks, c: Context, result: unknown): Promise<unknown> {
  let status: number | undefined;
  try {
    const settled: unknown = await result;
    if (settled instanceof Response) status = settled.status;
    return settled;
  } catch (thrown) {
    status = statusOf(thrown);
    throw thrown;
  } finally {
    runner.start(batch, status ?? c.res.status);
  }
}

// Elsewhere (app.request(), other runtimes): start once the handler returned, with its status.
async function runAfterHandler(runner: TaskRunner, batch: BackgroundTasks, c: Context, next: () => Promise<void>): Promise<void> {
  let thrownStatus: number | undefined;
  try {
    await next();
  } catch (thrown) {
    thrownStatus = statusOf(thrown);
    throw thrown;
  } finally {
    runner.start(batch, thrownStatus ?? c.res.status);
  }
}

function reporterOf(registry: TaskErrorRegistry): TaskErrorReporter {
  return (error, info) => registry.handleTaskError(error, info);
}

function headerRequestId(c: Context): string | undefined {
  return c.req.header('x-request-id') ?? undefined;
}

/** The Node response behind the request, when served by @hono/node-server (`c.env.outgoing`). */
function nodeResponse(env: unknown): NodeResponseLike | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const outgoing = (env as { outgoing?: unknown }).outgoing;
  if (typeof outgoing !== 'object' || outgoing === null) return undefined;
  const candidate = outgoing as Partial<NodeResponseLike>;
  return typeof candidate.on === 'function' && typeof candidate.statusCode === 'number' ? (outgoing as NodeResponseLike) : undefined;
}

/**
 * Calls `fn` once: after the last byte was handed to the socket, or when the connection closed
 * first. A Node response emits `'close'` in both cases (on the tick after `'finish'`), so one
 * listener covers both.
 */
function afterResponse(outgoing: NodeResponseLike, fn: () => void): void {
  if (outgoing.writableFinished || outgoing.destroyed) fn();
  else outgoing.on('close', fn);
}

function statusOf(thrown: unknown): number {
  const status = typeof thrown === 'object' && thrown !== null ? (thrown as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
