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
import { createNodeCore, type NodeErrand, type NodeErrandOptions, type RequestIdentity } from '../node/node-errand.js';
import { endStartedResponse, writeProblem, writeResponse } from '../node/node-response.js';
import { pathOf } from '../node/web-request.js';
import { rememberAnswered } from '../shared/answered-errors.js';
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

// Where a request keeps what its `logger` and `background` getters made.
const kLogger = Symbol('errand.logger');
const kTasks = Symbol('errand.background');

interface RequestSlots {
  [kLogger]?: ErrandLogger;
  [kTasks]?: BackgroundTasks;
}

function slotsOf(req: Request): RequestSlots {
  return req as unknown as RequestSlots;
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

  function identityOf(req: Request, res: Response): RequestIdentity {
    // Set by errand's middleware; absent when an earlier middleware failed before it ran.
    if (typeof req.requestId !== 'string') req.requestId = core.identify(req, res);
    // The logger the route made if it read `req.logger`, else one for this answer alone: a property
    // added to Express's request costs ~1.3 KB of garbage (heap sampling of a 404).
    return { requestId: req.requestId, logger: slotsOf(req)[kLogger] ?? core.requestLogger(req.requestId) };
  }

  // The request logger (a child of the root logger) and the task list are made when first read:
  // most requests use neither. Getters on `app.request`, Express's prototype of this app's requests
  // (its documented extension point; sub-apps inherit it).
  Object.defineProperties((app as Express).request, {
    logger: {
      configurable: true,
      get(this: Request): ErrandLogger {
        const slots = slotsOf(this);
        return (slots[kLogger] ??= core.requestLogger(this.requestId));
      },
      set(this: Request, logger: ErrandLogger): void {
        slotsOf(this)[kLogger] = logger;
      },
    },
    background: {
      configurable: true,
      get(this: Request): BackgroundTasks {
        const slots = slotsOf(this);
        return (slots[kTasks] ??= core.tasks(this.requestId, this.res, this));
      },
      set(this: Request, tasks: BackgroundTasks): void {
        slotsOf(this)[kTasks] = tasks;
      },
    },
  });

  async function respond(thrown: unknown, req: Request, res: Response): Promise<void> {
    // Only a chunked body's limit asks whether errand is answering (a WeakSet entry costs the collector).
    if (req.headers['transfer-encoding'] !== undefined) answering.add(req);
    rememberAnswered(req, thrown);
    try {
      const identity = identityOf(req, res);
      // The 413 went out; the readers' own errors about the cut-off body (body-parser's "request
      // aborted", a rejected `for await`) are expected.
      if (res.headersSent && wasCutOff(req)) return;
      if (res.headersSent) {
        core.afterHeaders(thrown, identity);
        endStartedResponse(res);
        return;
      }
      const url = req.originalUrl || req.url;
      // A handler may answer through `res` itself (`res.status(418).json(body)`): nothing more to send.
      const sentByHost = (result: unknown): number | undefined => (result === res || res.headersSent ? res.statusCode : undefined);
      const answered = core.respond(fromBodyParser(thrown), req, url, pathOf(url), identity, { req, res }, sentByHost);
      // Written in this turn when the handlers answered synchronously, as a bare Express handler writes it.
      const answer = answered instanceof Promise ? await answered : answered;
      if (answer.kind === 'problem') writeProblem(res, answer.problem);
      else if (answer.kind === 'response') await writeResponse(res, answer.response);
    } catch (fatal) {
      // Only a broken response object gets here; the registry itself never throws.
      core.logger.error({ err: fatal, requestId: req.requestId }, 'errand could not write the error response');
      if (!res.writableEnded) res.destroy();
    }
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
        void respond(routeMiss(req), req, res);
      },
      function errandErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
        if (mine !== generation || mounted) {
          next(error);
          return;
        }
        void respond(error, req, res);
      },
    );
    stackLength = stackOf()?.length ?? 0;
  }

  app.use(function errandRequest(req: Request, res: Response, next: NextFunction): void {
    if (stackLength !== (stackOf()?.length ?? 0)) appendFinalLayers();
    const requestId = core.identify(req, res);
    req.requestId = requestId;
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
      limitChunkedBody(req, res, limit, { refuse: (error) => void respond(error, req, res), answering: () => answering.has(req) });
    }
    next();
  });

  function routeMiss(req: Request): HTTPException {
    const path = pathOf(req.originalUrl || req.url);
    return routeMissError(req.method, path, allowedMethods(app, path));
  }

  return { registry: core.registry, logger: core.logger, mode: core.mode, format: core.format, runner: core.runner, respond };
}
