import type { Context, Hono, MiddlewareHandler, Schema } from 'hono';
import type { HandleInput } from '../../errors/error-handler.js';
import type { ErrandLogger } from '../../logging/errand-logger.js';
import { defaultLogger } from '../../logging/default-logger.js';
import { RequestLogger } from '../../logging/request-logger.js';
import { defaultErrorMode, setClientErrorStacks, type ErrorMode } from '../../errors/error-mode.js';
import { createErrorRegistry, respondNow, respondToMiss, type ErrorRegistry } from '../../errors/error-registry.js';
import { badUrlError } from '../shared/bad-url.js';
import { routeMiss, routeMissError } from '../../errors/route-miss-error.js';
import { answersObserved, rememberAnswered } from '../../metrics/answered-errors.js';
import type { ProblemFormat } from '../../errors/render-problem.js';
import { createTaskRunner, type TaskErrorInfo, type TaskRunner } from '../../tasks/task-runner.js';
import type { BackgroundOptions } from './background.js';
import { cachedAllowedMethods } from './allowed-methods.js';
import { enforceBodyLimit } from './body-limit.js';
import type { ErrandEnv } from './errand-env.js';
import { nodeOutgoing, putRequestId, requestHeader } from './node-headers.js';
import { newRequestId, saneRequestId } from './request-id.js';
import { nextThenStart, nodeResponse, requestTasks } from './request-tasks.js';

/** What Hono error handlers receive besides the errand context: the Hono context. */
export interface HonoErrorExtra {
  c: Context<ErrandEnv>;
}

/** Options of {@link errand}. */
export interface ErrandOptions {
  /** `production` hides 5xx internals and skips stack capture for 4xx; `debug` shows them. @default defaultErrorMode() (debug when NODE_ENV is development or test) */
  mode?: ErrorMode;
  /** Error body shape: `'problem'`, `'fastapi'` or a function. @default 'problem' */
  format?: ProblemFormat;
  /** The root logger; each request gets a child bound to its request id, made when the request first logs. @default errand's JSON logger (`defaultLogger`: pino's line format at `info` on stdout through createLogDestination, which never blocks and never holds the process at exit) */
  logger?: ErrandLogger;
  /**
   * The handler registry (share one with after-response tasks, or with Fastify and Express apps: a
   * registry made without Hono's extra is accepted; its handlers simply do not use `c`).
   * @default createErrorRegistry({ logger })
   */
  registry?: ErrorRegistry<HonoErrorExtra> | ErrorRegistry;
  /** Largest request body in bytes, for every route; `false` for none. @default 1_048_576 (1 MiB) */
  bodyLimit?: number | false;
  /** Header that carries the request id, in and out. @default 'X-Request-Id' */
  requestIdHeader?: string;
  /** Makes a request id when the incoming one is missing or not sane. @default newRequestId (a random per-process prefix and a counter, e.g. `3k9x0v7q1m2zb-42`) */
  generateRequestId?: () => string;
  /**
   * The after-response task runner every request's `c.var.background` feeds: `{ runner }` to share
   * one, or the options of the one errand creates (`maxPending`, `retryAfterSeconds`,
   * `taskTimeoutMs`, `drainTimeoutMs`, `queue`, `logger`; docs/tasks.md). Task errors go to the
   * registry, with the request id.
   * @default {} (createTaskRunner({ logger }))
   */
  background?: ErrandBackgroundOptions;
}

/** The `background` option of {@link errand}: a runner to share, or the options of the one errand creates. */
export type ErrandBackgroundOptions = Omit<BackgroundOptions, 'registry'>;

/** What {@link errand} installed; also `c.var.errand` on every request. */
export interface Errand {
  readonly registry: ErrorRegistry<HonoErrorExtra>;
  readonly logger: ErrandLogger;
  readonly mode: ErrorMode;
  readonly format: ProblemFormat;
  /** Runs every request's after-response tasks (`c.var.background`); give it to `serve({ runner })`, which drains it at shutdown. */
  readonly runner: TaskRunner;
  /** Turns anything thrown into the error response for this request (what `onError` does). */
  respond(thrown: unknown, c: Context): Promise<Response>;
}

/**
 * Installs errand on a Hono app through Hono's own extension points: one middleware (request ids
 * in `c.var.requestId`, `c.var.logger` and the `X-Request-Id` response header; the body limit; the
 * 503 at the task runner's bound; the request's after-response tasks in `c.var.background`),
 * `app.onError` and `app.notFound` (404, or 405 with `Allow`), all answered through the registry.
 * Call it before adding routes, so its middleware runs first; middleware added before it (CORS)
 * wraps error responses too. Strings, plain objects and `undefined` thrown by a route are caught
 * by the middleware (Hono hands only `Error`s to `onError`).
 *
 * @example
 * const app = new Hono<ErrandEnv>()
 * const { registry, runner } = errand(app, { format: (problem) => ({ error: problem.detail }) })
 * registry.on(404, (_error, { c }) => c.json({ error: 'no such page' }, 404))
 * app.post('/register', (c) => {
 *   c.var.background.add(sendWelcomeEmail, 'ada@example.com')
 *   return c.json({ ok: true }, 201)
 * })
 * serve({ fetch: app.fetch, port: 3000, runner })
 */
export function errand<E extends ErrandEnv, S extends Schema, B extends string>(app: Hono<E, S, B>, options: ErrandOptions = {}): Errand {
  const mode = options.mode ?? defaultErrorMode();
  const format = options.format ?? 'problem';
  const logger = options.logger ?? defaultLogger();
  // A registry without Hono's extra still receives `{ c }` at run time; its handlers ignore it.
  const registry = (options.registry as ErrorRegistry<HonoErrorExtra> | undefined) ?? createErrorRegistry<HonoErrorExtra>({ logger });
  const limit = options.bodyLimit ?? 1_048_576;
  const headerName = options.requestIdHeader ?? 'X-Request-Id';
  const headerKey = headerName.toLowerCase();
  const generate = options.generateRequestId ?? newRequestId;
  const runner = options.background?.runner ?? createTaskRunner({ logger, ...options.background });
  const report = (error: Error, info: TaskErrorInfo): Promise<void> => registry.handleTaskError(error, info);
  setClientErrorStacks(mode === 'debug');

  // What the registry needs to answer an error of this request.
  function handleInput(c: Context, instance: string): HandleInput<HonoErrorExtra> {
    const context = c as Context<ErrandEnv>;
    const known = context.get('requestId');
    const requestId = known ?? saneRequestId(requestHeader(c, headerKey)) ?? generate();
    const log = context.get('logger') ?? new RequestLogger(logger, requestId);
    // The middleware put the id on the Node response already (errand's own header name).
    const requestIdSent = known !== undefined && headerKey === 'x-request-id' && nodeOutgoing(c.env) !== undefined;
    return { request: c.req.raw, requestId, logger: log, mode, format, instance, extra: { c: context }, requestIdSent };
  }

  // A Response, or a promise of one when a handler is async: Hono's onError and notFound take either.
  function respond(thrown: unknown, c: Context, instance = c.req.path): Response | Promise<Response> {
    rememberAnswered(c.req.raw, thrown);
    return respondNow(registry, thrown, handleInput(c, instance));
  }

  const installed: Errand = { registry, logger, mode, format, runner, respond: async (thrown, c) => respond(thrown, c) };

  // Not async: it returns the chain's own promise (one async frame per request, nextThenStart's).
  const middleware: MiddlewareHandler<ErrandEnv> = function errandRequest(c, next) {
    const requestId = saneRequestId(requestHeader(c, headerKey)) ?? generate();
    c.set('requestId', requestId);
    c.set('logger', new RequestLogger(logger, requestId));
    c.set('errand', installed);
    // Under @hono/node-server the id goes on the Node response (public `setHeader`, or written in
    // `writeHead` by a RequestIdResponse), so it is on every response, error responses included.
    const outgoing = nodeOutgoing(c.env);
    if (outgoing === undefined) c.header(headerName, requestId);
    else putRequestId(outgoing, headerName, requestId);
    if (limit !== false) enforceBodyLimit(c, limit);
    // Hono routes what it cannot decode as it is: a malformed escape is refused as on every host.
    const url = c.req.url;
    if (url.includes('%')) {
      const badUrl = badUrlError(new URL(url).pathname);
      if (badUrl !== undefined) throw badUrl;
    }
    // The 503 at the task runner's bound (or during shutdown), before the handler runs.
    runner.admit(requestId);
    // Under @hono/node-server the runner starts the tasks when the Node response closes.
    const response = nodeResponse(c.env);
    const tasks = requestTasks(runner, registry, report, c, requestId, response);
    c.set('background', tasks);
    // Hono hands only `Error`s to onError; strings, plain objects and undefined are answered here.
    return nextThenStart(c, next, runner, tasks, response !== undefined, respond);
  };
  app.use(middleware as unknown as MiddlewareHandler<E>);
  app.onError((error, c) => respond(error, c));
  // The path is routed for other methods only: 405. Routed for this method too: a real 404.
  app.notFound((c) => {
    // Hono's `c.req.path` parses the URL on each read: once here.
    const path = c.req.path;
    const miss = routeMiss(c.req.method, path, cachedAllowedMethods(app, path));
    // The HTTP metrics read the exception errand answered for: made for them when they are on. A
    // user's formatter can throw: the registry's resolution renders each problem once and recovers
    // (respondToMiss would render the miss's problem, then render it again on the way to the 500).
    if (answersObserved() || typeof format === 'function') return respond(routeMissError(miss), c, path);
    return respondToMiss(registry, miss, handleInput(c, path));
  });
  return installed;
}
