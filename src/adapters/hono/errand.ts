import type { Context, Hono, Next, Schema } from 'hono';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { inlineBackgroundOf, startAfter, type InlineBackground } from './background.js';
import type { Logger } from 'pino';
import { defaultLogger } from '../../logging/default-logger.js';
import { defaultErrorMode, setClientErrorStacks, type ErrorMode } from '../../errors/error-mode.js';
import { createErrorRegistry, type ErrorRegistry } from '../../errors/error-registry.js';
import { routeMissError } from '../../errors/route-miss-error.js';
import type { ProblemFormat } from '../../errors/render-problem.js';
import { cachedAllowedMethods } from './allowed-methods.js';
import { checkBodyLimit } from './body-limit.js';
import type { ErrandEnv } from './errand-env.js';
import { nodeOutgoing, putRequestId, requestHeader } from './node-headers.js';
import { lazyRequestLogger, newRequestId, saneRequestId } from './request-id.js';

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
  /** The root logger; each request gets a child bound to its request id. @default pino on stdout through createLogDestination (never blocks, never holds the process at exit) */
  logger?: Logger;
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
}

/** What {@link errand} installed; also `c.var.errand` on every request. */
export interface Errand {
  readonly registry: ErrorRegistry<HonoErrorExtra>;
  readonly logger: Logger;
  readonly mode: ErrorMode;
  readonly format: ProblemFormat;
  /** Turns anything thrown into the error response for this request (what `onError` does). */
  respond(thrown: unknown, c: Context): Promise<Response>;
}

/**
 * Installs errand on a Hono app. Call it before adding routes: it wraps every handler and
 * middleware added after it, and the first of them to run on a request sets it up (no middleware
 * layer of its own, so a synchronous route stays synchronous): request ids (`c.var.requestId`,
 * `c.var.logger`, the `X-Request-Id` response header), the body limit, `app.onError` and
 * `app.notFound` (404, or 405 with `Allow`) through the registry, and non-`Error` throws caught and
 * coerced. An app-wide `app.use(background())` added after it runs inside that same step.
 * Middleware added before it (CORS) wraps error responses too.
 *
 * @example
 * const app = new Hono<ErrandEnv>()
 * const { registry } = errand(app, { format: (problem) => ({ error: problem.detail }) })
 * registry.on(404, (_error, { c }) => c.json({ error: 'no such page' }, 404))
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
  setClientErrorStacks(mode === 'debug');

  function respond(thrown: unknown, c: Context): Promise<Response> {
    return Promise.resolve(respondNow(thrown, c));
  }

  // Synchronous when the registry's answer is: a throwing synchronous route stays synchronous.
  function respondNow(thrown: unknown, c: Context): Response | Promise<Response> {
    const context = c as Context<ErrandEnv>;
    const known = context.get('requestId');
    const requestId = known ?? saneRequestId(requestHeader(c, headerKey)) ?? generate();
    const log = context.get('logger') ?? logger.child({ requestId });
    // The middleware already put the id on the Node response (under its default name).
    const requestIdSent = known !== undefined && headerKey === 'x-request-id' && nodeOutgoing(c.env) !== undefined;
    return registry.handleNow(thrown, { request: c.req.raw, requestId, logger: log, mode, format, instance: c.req.path, extra: { c: context }, requestIdSent });
  }

  const installed: Errand = { registry, logger, mode, format, respond };

  // An app-wide `background()` installed after errand runs inside errand's own step (set below).
  let inline: InlineBackground | undefined;

  // What used to be errand's middleware, run by the first errand-wrapped handler of each request.
  function enter(c: Context<ErrandEnv>): void {
    const requestId = saneRequestId(requestHeader(c, headerKey)) ?? generate();
    c.set('requestId', requestId);
    c.set('logger', lazyRequestLogger(logger, requestId));
    c.set('errand', installed);
    const outgoing = nodeOutgoing(c.env);
    // Under @hono/node-server the header goes on the Node response (merged into whatever response
    // is sent, error responses too); `c.header()` would make every response build a `Headers`
    // object. A RequestIdResponse (what `serve()` uses) writes it in `writeHead`; `setHeader` on a
    // plain one costs Node its fast path for every header of the response.
    if (outgoing === undefined) c.header(headerName, requestId);
    else putRequestId(outgoing, headerName, requestId);
  }

  // Hono hands only `Error`s to onError; strings, plain objects and undefined land here.
  const recover = (c: Context<ErrandEnv>) => (thrown: unknown): Promise<Response> => (thrown instanceof Error ? Promise.reject(thrown) : respond(thrown, c));

  type Layer = (c: Context<ErrandEnv>, next: Next) => unknown;

  // The first errand-wrapped handler of a request sets it up, then calls the handler directly: a
  // synchronous route stays synchronous (no middleware layer, no promise), as on bare Hono.
  function first(c: Context<ErrandEnv>, next: Next, handler: Layer): unknown {
    enter(c);
    const pending = limit === false ? undefined : checkBodyLimit(c, limit);
    const batch = inline?.prepare(c);
    let result: unknown;
    try {
      result = pending === undefined ? handler(c, next) : pending.then(() => handler(c, next));
    } catch (thrown) {
      if (!(thrown instanceof Error)) result = respond(thrown, c);
      else if (batch === undefined) throw thrown;
      // Outside Node the batch starts once the error is known: let startAfter see it.
      else result = Promise.reject(thrown);
    }
    if (result instanceof Promise) result = result.then(undefined, recover(c));
    return batch === undefined ? result : startAfter(inline!.runner, batch, c, result);
  }

  function wrap(handler: Layer): Layer {
    return function errandLayer(c, next) {
      return c.get('errand') === undefined ? first(c, next, handler) : handler(c, next);
    };
  }

  const base = app as unknown as Hono<ErrandEnv>;
  // Every handler added from now on (routes, middleware, sub-apps) is wrapped as it reaches the
  // router; `app.routes` gets the wrapped one too, so mounting this app elsewhere keeps errand.
  const router = base.router;
  const add = router.add.bind(router);
  router.add = (method, path, entry) => {
    const [handler, route] = entry;
    const background = inline === undefined && method === 'ALL' && (path === '/*' || path === '*') ? inlineBackgroundOf(handler) : undefined;
    if (background !== undefined) {
      inline = background;
      return;
    }
    const wrapped = wrap(handler as Layer) as typeof handler;
    route.handler = wrapped;
    add(method, path, [wrapped, route]);
  };
  base.onError((error, c) => respondNow(error, c));
  base.notFound((c) => {
    let batch: BackgroundTasks | undefined;
    let pending: Promise<void> | undefined;
    try {
      if (c.get('errand') === undefined) {
        enter(c);
        pending = limit === false ? undefined : checkBodyLimit(c, limit);
        batch = inline?.prepare(c);
      }
    } catch (thrown) {
      return respondNow(thrown, c);
    }
    const result = pending === undefined ? notFound(c) : pending.then(() => notFound(c), (thrown: unknown) => respond(thrown, c));
    return batch === undefined ? result : (startAfter(inline!.runner, batch, c, result) as Promise<Response>);
  });

  function notFound(c: Context<ErrandEnv>): Response | Promise<Response> {
    // The path is routed for other methods only: 405. Routed for this method too: a real 404.
    return respondNow(routeMissError(c.req.method, c.req.path, cachedAllowedMethods(app, c.req.path)), c);
  }
  return installed;
}
