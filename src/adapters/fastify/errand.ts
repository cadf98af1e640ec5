import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, FastifyTypeProvider, FastifyTypeProviderDefault, RawServerDefault } from 'fastify';
import type { ErrandLogger } from '../../logging/errand-logger.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { routeMissError } from '../../errors/route-miss-error.js';
import { createNodeCore, type NodeErrand, type NodeErrandOptions, type RequestIdentity } from '../node/node-errand.js';
import type { ErrorAnswer } from '../../errors/error-resolution.js';
import type { ErrorContextBase } from '../../errors/error-handler.js';
import type { RenderedProblem } from '../../errors/render-problem.js';
import { endStartedResponse } from '../node/node-response.js';
import { pathOf } from '../node/web-request.js';
import { rememberAnswered } from '../../metrics/answered-errors.js';
import { badUrlError } from '../shared/bad-url.js';
import { installClientErrors } from './client-error-handler.js';
import { idFromGenReqId } from './gen-req-id.js';
import { fromFastify } from './fastify-errors.js';
import { RouteTable } from './route-table.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request id errand gave the request: a sane incoming `X-Request-Id`, otherwise a generated UUID. */
    requestId: string;
    /** The app's logger bound to `requestId` (a child, made when first read). Fastify's own `request.log` is unchanged. */
    logger: ErrandLogger;
    /** The request's after-response tasks: `request.background.add(fn, ...args)`. */
    background: BackgroundTasks;
  }
}

/** What error handlers receive besides the errand context on Fastify: the request and the reply. */
export interface FastifyErrorExtra {
  req: FastifyRequest;
  reply: FastifyReply;
}

/** Options of {@link errand} for Fastify; the shared ones are described in docs/adapters.md. */
export interface FastifyErrandOptions extends Omit<NodeErrandOptions<FastifyErrorExtra>, 'logger'> {
  /**
   * The root logger; `app.log` is accepted. When the Fastify app has a logger of its own
   * (`Fastify({ logger: true })`), requests are logged through `request.log` under Fastify's request
   * id (`request.id`, pass errand's {@link genReqId} to Fastify to honour `X-Request-Id`), so each
   * request is logged under one id.
   * @default app.log when Fastify logs, otherwise errand's JSON logger (`defaultLogger`: pino's line format at `info` on stdout)
   */
  logger?: ErrandLogger | FastifyBaseLogger;
  /** Largest request body in bytes for every route added after `errand()` without a `bodyLimit` of its own. @default Fastify's `bodyLimit` option (1 MiB unless changed) */
  bodyLimit?: number;
}

/** What {@link errand} installed on a Fastify app. */
export interface FastifyErrand extends NodeErrand<FastifyErrorExtra> {
  /** Answers `thrown` on `reply` through the registry, as errand's error handler does (for an encapsulated `setErrorHandler` of your own). Never rejects. */
  respond(thrown: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/**
 * What errand keeps on a request: its id, the response its tasks wait for, and what its `logger`
 * and `background` getters made. One object under one value decorator, the request's members being
 * getters over it: Fastify sets every value decorator on every request it builds, each through a
 * megamorphic keyed store with a map transition, where a getter costs nothing until it is read.
 */
class RequestState {
  requestId = '';
  response: ServerResponse | undefined = undefined;
  logger: ErrandLogger | undefined = undefined;
  tasks: BackgroundTasks | undefined = undefined;
}

const kState = Symbol('errand.request');

interface StateHolder {
  [kState]: RequestState | null;
}

/** The request's state, made when first needed (errand's onRequest hook makes it for every request it sees). */
function stateOf(request: FastifyRequest): RequestState {
  return ((request as unknown as StateHolder)[kState] ??= new RequestState());
}

// The installed errand of each root instance, for `frameworkErrors` (given to Fastify before errand exists).
const installed = new WeakMap<object, FastifyErrand>();

/**
 * Fastify's `frameworkErrors` option: answers the errors Fastify raises before any hook or error
 * handler runs (`FST_ERR_BAD_URL` 400, `FST_ERR_MAX_PARAM_LENGTH` 414, `FST_ERR_ASYNC_CONSTRAINT`)
 * through the registry of the errand installed on that instance. Without it Fastify answers them in
 * its own JSON shape. Fastify takes it at construction, before `errand(app)` can run, hence a
 * separate export.
 *
 * @example
 * const app = Fastify({ frameworkErrors });
 * errand(app);
 */
export function frameworkErrors(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const errand = installed.get(request.server);
  if (errand === undefined) {
    // No errand on this instance: what Fastify does without the option.
    void reply.code((error as { statusCode?: number }).statusCode ?? 500).send(error);
    return;
  }
  void errand.respond(error, request, reply);
}

/** Writes a web `Response` (the registry's, a mounted app's) to the reply, so Fastify's `onSend` and `onResponse` hooks still run. */
export async function sendReply(reply: FastifyReply, response: Response): Promise<void> {
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  if (reply.sent || reply.raw.headersSent) return;
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-length') reply.header(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  reply.send(body);
}

/**
 * A handler answered through `reply` itself (`return reply.code(418).send(body)`): the status sent,
 * so errand sends nothing more. A reply returned before it was sent is a thenable the resolution waits for.
 */
function sentThroughReply(_result: unknown, extra: object): number | undefined {
  const { reply } = extra as FastifyErrorExtra;
  return reply.sent ? reply.statusCode : undefined;
}

/** Gives a handler context the request and the reply (by name: see `AddExtra`). */
function addRequestAndReply(context: ErrorContextBase, extra: object): void {
  const { req, reply } = extra as FastifyErrorExtra;
  const target = context as ErrorContextBase & FastifyErrorExtra;
  target.req = req;
  target.reply = reply;
}

/** Writes errand's own rendered problem to the reply (Fastify's hooks still run), without a web `Response`. */
function sendProblem(reply: FastifyReply, problem: RenderedProblem): void {
  if (reply.sent || reply.raw.headersSent) return;
  reply.code(problem.status);
  reply.headers(problem.headers);
  // A Buffer: Fastify sends it as is, where it would add `; charset=utf-8` to a string's content type.
  reply.send(Buffer.from(problem.body));
}


/**
 * Installs errand on a Fastify 5 app. Call it on the root instance before registering routes and
 * plugins: it decorates every request with `requestId`, `logger` and `background` (an `onRequest`
 * hook, which also refuses requests with 503 at the after-response task bound), sets the error
 * handler and the not-found handler (404, or 405 with `Allow`), so every failure, Fastify's own
 * (validation, malformed JSON, body too large, unsupported media type) included, is answered
 * through the registry. An encapsulated `setErrorHandler` of yours still wins in its plugin; call
 * `respond()` from it to keep the envelope.
 *
 * @example
 * const app = Fastify();
 * const { registry, runner } = errand(app, { mode: 'production' });
 * app.post('/register', async (request, reply) => {
 *   request.background.add(sendWelcomeEmail, 'ada@example.com');
 *   return reply.code(201).send({ ok: true });
 * });
 * app.addHook('onClose', async () => void (await runner.drain()));
 * await app.listen({ port: 3000 });
 */
export function errand<Log extends FastifyBaseLogger = FastifyBaseLogger, Provider extends FastifyTypeProvider = FastifyTypeProviderDefault>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Log, Provider>,
  options: FastifyErrandOptions = {},
): FastifyErrand {
  // Fastify logs (`logger: true` or an instance): errand logs through it, under Fastify's request id.
  const appLogs = typeof app.log.level === 'string';
  const rootLogger = options.logger ?? (appLogs ? app.log : undefined);
  const core = createNodeCore<FastifyErrorExtra>({ ...options, logger: rootLogger });
  const headerName = options.requestIdHeader ?? 'X-Request-Id';
  // Lower case once: Fastify lowers every name `reply.header` is given, which made a new string per
  // request that V8 then looked up in its string table to use as a property key.
  const headerKey = headerName.toLowerCase();
  // genReqId reads X-Request-Id and draws with newRequestId: its id is errand's only under those defaults.
  const reuseGenReqId = headerKey === 'x-request-id' && options.generateRequestId === undefined;
  const config = app.initialConfig;
  const routes = new RouteTable({
    caseSensitive: config.routerOptions?.caseSensitive ?? config.caseSensitive,
    ignoreTrailingSlash: config.routerOptions?.ignoreTrailingSlash ?? config.ignoreTrailingSlash,
    ignoreDuplicateSlashes: config.routerOptions?.ignoreDuplicateSlashes ?? config.ignoreDuplicateSlashes,
  });
  const bodyLimit = options.bodyLimit;

  function identityOf(request: FastifyRequest, reply: FastifyReply): RequestIdentity {
    // Set by errand's onRequest hook; empty (or absent, for `frameworkErrors`) when Fastify failed the request before hooks ran.
    if (typeof request.requestId !== 'string' || request.requestId === '') identify(request, reply);
    return { requestId: request.requestId, logger: request.logger };
  }

  /** Gives the request its id (`request.logger` and `request.background` are made from it when first read). */
  function identify(request: FastifyRequest, reply: FastifyReply): void {
    // With errand's genReqId, Fastify already drew the id: one id per request, not two.
    const requestId = appLogs ? request.id : (reuseGenReqId ? idFromGenReqId(request.raw) : undefined) ?? core.requestIdOf(request.raw);
    // Through the setter on a request errand decorated; an own property on the bare request Fastify
    // builds for a routing error (`frameworkErrors`), which has no decorators.
    request.requestId = requestId;
    stateOf(request).response = reply.raw;
    // Through Fastify's reply, not Node's `setHeader`: a response whose headers all come to Node's
    // `writeHead` at once (as Fastify sends them) skips a merge of each into Node's header table.
    if (!reply.sent && !reply.raw.headersSent) reply.header(headerKey, requestId);
  }

  /**
   * Answers `thrown` on `reply` through the registry: at once when its handlers answer synchronously
   * (the error is written in the same turn, as a bare Fastify handler writes it), else a promise
   * that settles once it is written. Never throws nor rejects.
   */
  function answer(thrown: unknown, request: FastifyRequest, reply: FastifyReply, path = pathOf(request.url)): Promise<void> | undefined {
    const identity = identityOf(request, reply);
    rememberAnswered(request.raw, thrown);
    try {
      if (reply.raw.headersSent) {
        core.afterHeaders(thrown, identity);
        endStartedResponse(reply.raw);
        return undefined;
      }
      const answered = core.respond(fromFastify(thrown), request.raw, request.url, path, identity, { req: request, reply }, sentThroughReply, addRequestAndReply);
      const sent = answered instanceof Promise ? answered.then((settled) => send(reply, settled)) : send(reply, answered);
      return sent?.catch((fatal: unknown) => failed(fatal, identity, reply));
    } catch (fatal) {
      failed(fatal, identity, reply);
      return undefined;
    }
  }

  /** Writes the registry's answer to the reply: nothing when a handler answered through `reply` itself. */
  function send(reply: FastifyReply, answered: ErrorAnswer): Promise<void> | undefined {
    if (answered.kind === 'problem') sendProblem(reply, answered.problem);
    else if (answered.kind === 'response') return sendReply(reply, answered.response);
    return undefined;
  }

  function failed(fatal: unknown, identity: RequestIdentity, reply: FastifyReply): void {
    // Only a broken reply gets here; the registry itself never throws.
    core.logger.error({ err: fatal, requestId: identity.requestId }, 'errand could not send the error response');
    if (!reply.raw.writableEnded) reply.raw.destroy();
  }

  async function respond(thrown: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await answer(thrown, request, reply);
  }

  if (!app.hasRequestDecorator('requestId')) {
    // Declared up front so every request object has the same shape. The request logger (a child of
    // the root logger) and the task list are made when first read: most requests use neither.
    app.decorateRequest(kState, null);
    app.decorateRequest('requestId', {
      getter(this: FastifyRequest): string {
        return (this as unknown as StateHolder)[kState]?.requestId ?? '';
      },
      setter(this: FastifyRequest, requestId: string): void {
        stateOf(this).requestId = requestId;
      },
    });
    app.decorateRequest('logger', {
      getter(this: FastifyRequest): ErrandLogger {
        const state = stateOf(this);
        return (state.logger ??= appLogs ? this.log : core.requestLogger(state.requestId));
      },
      setter(this: FastifyRequest, logger: ErrandLogger): void {
        stateOf(this).logger = logger;
      },
    });
    app.decorateRequest('background', {
      getter(this: FastifyRequest): BackgroundTasks {
        const state = stateOf(this);
        return (state.tasks ??= core.tasks(state.requestId, state.response, this));
      },
      setter(this: FastifyRequest, tasks: BackgroundTasks): void {
        stateOf(this).tasks = tasks;
      },
    });
  }
  app.addHook('onRoute', function errandRoute(route) {
    routes.add(route.method, route.url);
    if (bodyLimit !== undefined && route.bodyLimit === undefined) route.bodyLimit = bodyLimit;
  });
  // Fastify's JSON parser, except that an empty body is no body (`undefined`), as on Hono and
  // Express: the schema then judges it (422 when required, as FastAPI answers) instead of a 400.
  const jsonParser = app.getDefaultJsonParser(config.onProtoPoisoning ?? 'error', config.onConstructorPoisoning ?? 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, function errandJsonParser(request, body, done) {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    else void jsonParser(request, text, done);
  });
  app.addHook('onRequest', function errandRequest(request, reply, done) {
    identify(request, reply);
    // Only a `%` can make a path undecodable: most requests skip cutting the path from the query.
    const badUrl = request.url.includes('%') ? badUrlError(pathOf(request.url)) : undefined;
    if (badUrl !== undefined) {
      done(badUrl);
      return;
    }
    try {
      core.admit(request.requestId);
    } catch (refused) {
      // The 503 at the in-flight bound (or during shutdown), answered by the error handler below.
      done(refused as Error);
      return;
    }
    done();
  });
  app.setErrorHandler(function errandErrorHandler(error, request, reply) {
    return answer(error, request, reply);
  });
  app.setNotFoundHandler(function errandNotFound(request, reply) {
    const path = pathOf(request.url);
    return answer(routeMissError(request.method, path, routes.allowed(path)), request, reply, path);
  });

  const result: FastifyErrand = { registry: core.registry, logger: core.logger, mode: core.mode, format: core.format, runner: core.runner, respond };
  installed.set(app, result);
  // For `clientErrorHandler` (given to Fastify before errand exists): this errand's options.
  installClientErrors(app, app.server, { mode: core.mode, format: core.format, logger: core.logger, requestIdHeader: headerName, generateRequestId: options.generateRequestId });
  // For errand's own routes (jobsRoutes reads its mode); plugins registered after this inherit it.
  if (!app.hasDecorator('errand')) app.decorate('errand', result);
  return result;
}
