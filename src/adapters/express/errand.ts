import type { IncomingMessage } from 'node:http';
import type { Application, Express, NextFunction, Request, Response } from 'express';
import type { ErrandLogger } from '../../logging/errand-logger.js';
import type { HTTPException } from '../../errors/http-exception.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { allowedMethods } from './allowed-methods.js';
import { limitChunkedBody, wasCutOff } from './chunked-body-limit.js';
import { payloadTooLarge } from '../../errors/payload-too-large.js';
import { routeMissError } from '../../errors/route-miss-error.js';
import { fromBodyParser } from './framework-errors.js';
import type { ErrorAnswer } from '../../errors/error-resolution.js';
import type { ErrorContextBase } from '../../errors/error-handler.js';
import { createNodeCore, type NodeErrand, type NodeErrandOptions, type RequestIdentity } from '../node/node-errand.js';
import { endStartedResponse, writeProblem, writeResponse } from '../node/node-response.js';
import { pathOf } from '../node/web-request.js';
import { rememberAnswered } from '../../metrics/answered-errors.js';
import { badUrlError } from '../shared/bad-url.js';

declare global {
  // Express's own extension point: its Request type merges this global interface.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id errand gave the request: a sane incoming `X-Request-Id`, otherwise a generated UUID. */
      requestId: string;
      /** The app's logger bound to `requestId` (a child, made when first read). */
      logger: ErrandLogger;
      /** The request's after-response tasks: `req.background.add(fn, ...args)`. */
      background: BackgroundTasks;
    }
  }
}

// What errand keeps for each request: its id, and what its `logger` and `background` getters made.
// It lives in `res.locals` (Express's own per-request object), not in properties of `req`: after
// Express sets the request's prototype, every new property of a `req` copies its hidden class
// (~1.3 KB per property per request; `node --trace-gc-nvp`, figure in the commit).
const kState = Symbol('errand.request');

class RequestState {
  logger: ErrandLogger | undefined = undefined;
  tasks: BackgroundTasks | undefined = undefined;
  constructor(public requestId: string) {}
}

type Locals = { [kState]?: RequestState } | undefined;

// Requests whose `res.locals` is not an object (replaced by the app): their state is kept here.
const orphans = new WeakMap<object, RequestState>();

function stateOf(req: Request): RequestState | undefined {
  const locals = req.res?.locals as Locals;
  return typeof locals === 'object' && locals !== null ? locals[kState] : orphans.get(req);
}

function newState(req: Request, requestId: string): RequestState {
  const state = new RequestState(requestId);
  const locals = req.res?.locals as Locals;
  if (typeof locals === 'object' && locals !== null) locals[kState] = state;
  else orphans.set(req, state);
  return state;
}

/** A handler answered through `res` itself (`res.status(418).json(body)`): the status sent, so errand sends nothing more. */
function sentThroughRes(result: unknown, extra: object): number | undefined {
  const { res } = extra as ExpressErrorExtra;
  return result === res || res.headersSent ? res.statusCode : undefined;
}

/** Gives a handler context the request and the response (by name: see `AddExtra`). */
function addReqAndRes(context: ErrorContextBase, extra: object): void {
  const { req, res } = extra as ExpressErrorExtra;
  const target = context as ErrorContextBase & ExpressErrorExtra;
  target.req = req;
  target.res = res;
}

/** Writes the registry's answer to `res`: nothing when a handler answered through `res` itself. */
function write(res: Response, answer: ErrorAnswer): Promise<void> | undefined {
  if (answer.kind === 'problem') writeProblem(res, answer.problem);
  else if (answer.kind === 'response') return writeResponse(res, answer.response);
  return undefined;
}

/** What error handlers receive besides the errand context on Express: the request and the response. */
export interface ExpressErrorExtra {
  req: Request;
  res: Response;
}

/** Options of {@link errand} for Express; the shared ones are described in docs/adapters.md. */
export interface ExpressErrandOptions extends NodeErrandOptions<ExpressErrorExtra> {
  /**
   * Largest request body, in bytes; `false` for none. A `Content-Length` over it is refused with 413
   * before any middleware reads the body. A chunked body is counted as it reaches its readers: at
   * the chunk that passes the limit errand answers 413, and whoever reads the body gets nothing after
   * that chunk and no end; once the body ended (or the client left, or sent as much again) the
   * request is destroyed and the connection closed (docs/adapters.md). A body parser's own smaller `limit` still applies
   * (its 413 gets the same code).
   * @default 1_048_576 (1 MiB)
   */
  bodyLimit?: number | false;
}

/** What {@link errand} installed on an Express app. */
export interface ExpressErrand extends NodeErrand<ExpressErrorExtra> {
  /** Answers `thrown` on `res` through the registry, as errand's final handler does (for your own error middleware). Never rejects. */
  respond(thrown: unknown, req: Request, res: Response): Promise<void>;
}

/**
 * Installs errand on an Express 5 app through Express's own middleware. Call it before adding
 * middleware and routes: it adds the first middleware (request id, `req.logger`, `req.background`,
 * the body limit, the 503 admission bound) and, at the first request, a last not-found middleware
 * and a last error middleware, so every error nobody answered (thrown, rejected, `next(err)`,
 * body-parser's) and every request no route answered (404, or 405 with `Allow`) goes through the
 * registry. Your own error middleware still runs first; `next(err)` from it reaches errand.
 *
 * @example
 * const app = express();
 * const { registry, runner } = errand(app, { mode: 'production' });
 * app.use(express.json());
 * app.post('/register', (req, res) => {
 *   req.background.add(sendWelcomeEmail, req.body.email);
 *   res.status(201).json({ ok: true });
 * });
 * const server = app.listen(3000);
 * process.once('SIGTERM', () => server.close(() => void runner.drain()));
 */
export function errand(app: Application, options: ExpressErrandOptions = {}): ExpressErrand {
  const core = createNodeCore<ExpressErrorExtra>(options);
  const limit = options.bodyLimit ?? 1_048_576;
  // Requests errand has begun to answer: a chunked body passing the limit then gets no second answer.
  const answering = new WeakSet<IncomingMessage>();

  /** The request's state; made now (with a request id) when errand's middleware did not run for it: an earlier middleware failed. */
  function stateFor(req: Request, res: Response | undefined = req.res): RequestState {
    return stateOf(req) ?? newState(req, res === undefined ? core.requestIdOf(req) : core.identify(req, res));
  }

  function identityOf(req: Request, res: Response): RequestIdentity {
    const state = stateFor(req, res);
    // The logger the route made if it read `req.logger`, else one for this answer alone.
    return { requestId: state.requestId, logger: state.logger ?? core.requestLogger(state.requestId) };
  }

  // The request id, the request logger (a child of the root logger) and the task list: getters on
  // `app.request`, Express's prototype of this app's requests (its documented extension point;
  // sub-apps inherit it). The logger and the task list are made when first read: most requests use neither.
  Object.defineProperties((app as Express).request, {
    requestId: {
      configurable: true,
      get(this: Request): string {
        return stateFor(this).requestId;
      },
      set(this: Request, requestId: string): void {
        const state = stateOf(this);
        if (state === undefined) newState(this, requestId);
        else state.requestId = requestId;
      },
    },
    logger: {
      configurable: true,
      get(this: Request): ErrandLogger {
        const state = stateFor(this);
        return (state.logger ??= core.requestLogger(state.requestId));
      },
      set(this: Request, logger: ErrandLogger): void {
        stateFor(this).logger = logger;
      },
    },
    background: {
      configurable: true,
      get(this: Request): BackgroundTasks {
        const state = stateFor(this);
        return (state.tasks ??= core.tasks(this.requestId, this.res, this));
      },
      set(this: Request, tasks: BackgroundTasks): void {
        stateFor(this).tasks = tasks;
      },
    },
  });

  /**
   * Answers `thrown` on `res` through the registry: written in this turn when the handlers answer
   * synchronously (as a bare Express handler writes it), else a promise that settles once it is
   * written. Never throws nor rejects.
   */
  function answer(thrown: unknown, req: Request, res: Response): Promise<void> | undefined {
    // Only a chunked body's limit asks whether errand is answering (a WeakSet entry costs the collector).
    if (req.headers['transfer-encoding'] !== undefined) answering.add(req);
    rememberAnswered(req, thrown);
    try {
      const identity = identityOf(req, res);
      // The 413 went out; the readers' own errors about the cut-off body (body-parser's "request
      // aborted", a rejected `for await`) are expected.
      if (res.headersSent && wasCutOff(req)) return undefined;
      if (res.headersSent) {
        core.afterHeaders(thrown, identity);
        endStartedResponse(res);
        return undefined;
      }
      const url = req.originalUrl || req.url;
      const answered = core.respond(fromBodyParser(thrown), req, url, pathOf(url), identity, { req, res }, sentThroughRes, addReqAndRes);
      const written = answered instanceof Promise ? answered.then((settled) => write(res, settled)) : write(res, answered);
      return written?.catch((fatal: unknown) => failed(fatal, req, res));
    } catch (fatal) {
      failed(fatal, req, res);
      return undefined;
    }
  }

  function failed(fatal: unknown, req: Request, res: Response): void {
    // Only a broken response object gets here; the registry itself never throws.
    core.logger.error({ err: fatal, requestId: stateOf(req)?.requestId }, 'errand could not write the error response');
    if (!res.writableEnded) res.destroy();
  }

  async function respond(thrown: unknown, req: Request, res: Response): Promise<void> {
    await answer(thrown, req, res);
  }

  // Mounted in another app (`parent.use(path, app)`): what this app leaves unanswered is the parent's.
  let mounted = false;
  app.on('mount', () => {
    mounted = true;
  });

  // errand's last layers (404/405, then the error middleware) must come after every route. They
  // are appended with `app.use` at the first request, when the app is built, and appended again if
  // layers were added since: the older pair then passes everything on to the newer.
  let generation = 0;
  let stackLength = -1;
  const stackOf = (): unknown[] | undefined => (app as unknown as { router?: { stack?: unknown } }).router?.stack as unknown[] | undefined;

  function appendFinalLayers(): void {
    const mine = ++generation;
    app.use(
      function errandNotFound(req: Request, res: Response, next: NextFunction): void {
        if (mine !== generation || mounted) {
          next();
          return;
        }
        void answer(routeMiss(req), req, res);
      },
      function errandErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
        if (mine !== generation || mounted) {
          next(error);
          return;
        }
        void answer(error, req, res);
      },
    );
    stackLength = stackOf()?.length ?? 0;
  }

  app.use(function errandRequest(req: Request, res: Response, next: NextFunction): void {
    if (stackLength !== (stackOf()?.length ?? 0)) appendFinalLayers();
    const requestId = core.identify(req, res);
    newState(req, requestId);
    const badUrl = badUrlError(pathOf(req.url));
    if (badUrl !== undefined) {
      next(badUrl);
      return;
    }
    const length = req.headers['content-length'];
    if (limit !== false && length !== undefined && Number(length) > limit) {
      next(payloadTooLarge(limit));
      return;
    }
    // Throws the 503 at the in-flight bound; Express hands a synchronous throw to the error path.
    core.admit(requestId);
    if (limit !== false && length === undefined && req.headers['transfer-encoding'] !== undefined) {
      limitChunkedBody(req, res, limit, { refuse: (error) => void answer(error, req, res), answering: () => answering.has(req) });
    }
    next();
  });

  function routeMiss(req: Request): HTTPException {
    const path = pathOf(req.originalUrl || req.url);
    return routeMissError(req.method, path, allowedMethods(app, path));
  }

  const result: ExpressErrand = { registry: core.registry, logger: core.logger, mode: core.mode, format: core.format, runner: core.runner, respond };
  // For errand's own routes (jobsRoutes reads its mode): an app setting, which mounted sub-apps inherit.
  app.set('errand', result);
  return result;
}
