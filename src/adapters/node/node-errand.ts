import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrandLogger } from '../../logging/errand-logger.js';
import { defaultLogger } from '../../logging/default-logger.js';
import { RequestLogger } from '../../logging/request-logger.js';
import { coerceError } from '../../errors/coerce-error.js';
import { defaultErrorMode, setClientErrorStacks, type ErrorMode } from '../../errors/error-mode.js';
import { answerError, createErrorRegistry, type ErrorRegistry } from '../../errors/error-registry.js';
import type { AddExtra, MaybeAnswer, SentByHost } from '../../errors/error-resolution.js';
import type { HandleInput } from '../../errors/error-handler.js';
import type { ProblemFormat } from '../../errors/render-problem.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import { createTaskRunner, type TaskErrorReporter, type TaskRunner, type TaskRunnerOptions } from '../../tasks/task-runner.js';
import { newRequestId, saneRequestId } from '../hono/request-id.js';
import { putRequestId } from '../hono/node-headers.js';
import { webRequest } from './web-request.js';

/** Options of the after-response task runner a Node adapter (Fastify, Express) creates. */
export interface NodeBackgroundOptions extends TaskRunnerOptions {
  /** Share a runner (with your shutdown code, with metrics). @default createTaskRunner({ ...options, logger }) */
  runner?: TaskRunner;
}

/** Options shared by the Fastify and Express adapters; see docs/adapters.md. */
export interface NodeErrandOptions<Extra extends object> {
  /** `production` hides 5xx internals and skips stack capture for 4xx; `debug` shows them. @default defaultErrorMode() (debug when NODE_ENV is development or test) */
  mode?: ErrorMode;
  /** Error body shape: `'problem'`, `'fastapi'` or a function. @default 'problem' */
  format?: ProblemFormat;
  /** The root logger; each request gets a child bound to its request id. @default defaultLogger(): errand's JSON logger on stdout through createLogDestination (never blocks, never holds the process at exit) */
  logger?: ErrandLogger;
  /**
   * The handler registry. Pass one made with `createErrorRegistry()` (no framework glue) to share it
   * between apps of different frameworks; its handlers then see `request`, `requestId`, `problem`…
   * but not the framework's objects.
   * @default createErrorRegistry({ logger })
   */
  registry?: ErrorRegistry<Extra> | ErrorRegistry;
  /** Header that carries the request id, in and out. @default 'X-Request-Id' */
  requestIdHeader?: string;
  /** Makes a request id when the incoming one is missing or not sane. @default newRequestId (a random per-process prefix and a counter, e.g. `3k9x0v7q1m2zb-42`) */
  generateRequestId?: () => string;
  /** The after-response task runner (`runner`) or the options to create one with. @default {} */
  background?: NodeBackgroundOptions;
}

/** What a Node adapter installed: returned by `errand(app)`. */
export interface NodeErrand<Extra extends object> {
  /** The registry in use. One shared with apps of other frameworks also answers their requests, without this adapter's `extra`. */
  readonly registry: ErrorRegistry<Extra>;
  readonly logger: ErrandLogger;
  readonly mode: ErrorMode;
  readonly format: ProblemFormat;
  /** Runs every request's after-response tasks; `runner.drain()` at shutdown. */
  readonly runner: TaskRunner;
}

/** What errand knows about a request once it entered. */
export interface RequestIdentity {
  requestId: string;
  logger: ErrandLogger;
}

/** The framework-free part of the Fastify and Express adapters. Not part of the public API. */
export interface NodeCore<Extra extends object> extends NodeErrand<Extra> {
  /** The request's id (see {@link NodeCore.requestIdOf}), put on the response: its request id header. */
  identify(incoming: IncomingMessage, outgoing: ServerResponse): string;
  /** The request's id: its sane incoming request id header, else a new one. */
  requestIdOf(incoming: IncomingMessage): string;
  /** The request's logger: a child of the root logger bound to its id, made when the request first logs. */
  requestLogger(requestId: string): ErrandLogger;
  /** Admits the request, or throws the 503 `UnavailableError` (at the task runner's bound, during shutdown). */
  admit(requestId: string): void;
  /** A new task list for an admitted request; its tasks start once `outgoing` has closed. */
  tasks(requestId: string, outgoing: ServerResponse | undefined, context: unknown): BackgroundTasks;
  /**
   * Turns anything thrown into the registry's answer for this request (errand's own problem comes
   * back rendered, to be written without a web `Response`): the answer itself when the handlers
   * answered synchronously, else a promise of it. Never throws nor rejects.
   */
  respond(thrown: unknown, incoming: IncomingMessage, url: string, instance: string, identity: RequestIdentity, extra: Extra, sentByHost: SentByHost, addExtra: AddExtra): MaybeAnswer;
  /** An error once the response had started: logged with the request id; no second response. */
  afterHeaders(thrown: unknown, identity: RequestIdentity): void;
}

/**
 * A request's input to the registry. The web Request is built only if something reads it (a
 * handler, a custom format): building one costs more than the rest of an error response on Node.
 * A class, not a literal with a getter: see src/errors/handler-context.ts.
 */
class NodeHandleInput<Extra extends object> implements HandleInput<Extra> {
  readonly requestId: string;
  readonly logger: ErrandLogger;
  readonly #incoming: IncomingMessage;
  readonly #url: string;
  #request: Request | undefined;

  constructor(
    incoming: IncomingMessage,
    url: string,
    identity: RequestIdentity,
    readonly mode: ErrorMode,
    readonly format: ProblemFormat,
    readonly instance: string,
    readonly extra: Extra,
  ) {
    this.#incoming = incoming;
    this.#url = url;
    this.requestId = identity.requestId;
    this.logger = identity.logger;
  }

  get request(): Request {
    return (this.#request ??= webRequest(this.#incoming, this.#url));
  }
}

/**
 * Builds the shared core: options with their defaults, the registry, the task runner, request ids.
 *
 * @example
 * const core = createNodeCore<ExpressErrorExtra>({ mode: 'production' });
 */
export function createNodeCore<Extra extends object>(options: NodeErrandOptions<Extra>): NodeCore<Extra> {
  const mode = options.mode ?? defaultErrorMode();
  const format = options.format ?? 'problem';
  const logger = options.logger ?? defaultLogger();
  // A framework-free registry accepts the adapter's `extra` too (its handlers just do not read it).
  const registry = (options.registry ?? createErrorRegistry<Extra>({ logger })) as ErrorRegistry<Extra>;
  const headerName = options.requestIdHeader ?? 'X-Request-Id';
  const headerKey = headerName.toLowerCase();
  const generate = options.generateRequestId ?? newRequestId;
  const runner = options.background?.runner ?? createTaskRunner({ logger, ...options.background });
  const report: TaskErrorReporter = (error, info) => registry.handleTaskError(error, info);
  setClientErrorStacks(mode === 'debug');
  const requestIdOf = (incoming: IncomingMessage): string => saneRequestId(incoming.headers[headerKey]) ?? generate();

  return {
    registry,
    logger,
    mode,
    format,
    runner,
    requestIdOf,
    identify(incoming, outgoing) {
      const requestId = requestIdOf(incoming);
      if (!outgoing.headersSent) putRequestId(outgoing, headerName, requestId);
      return requestId;
    },
    requestLogger: (requestId) => new RequestLogger(logger, requestId),
    admit(requestId) {
      runner.admit(requestId);
    },
    tasks(requestId, outgoing, context) {
      // The request goes to task-error handlers (`info.context`) only when one could read it: a
      // task holding it keeps the whole finished request alive.
      const kept = registry.hasTaskErrorHandlers() ? context : undefined;
      // The runner starts the tasks when the response closes (after the last byte, or when the
      // client went away first: a disconnect never cancels tasks).
      return runner.createBatch({ requestId, context: kept, report, response: outgoing });
    },
    respond(thrown, incoming, url, instance, identity, extra, sentByHost, addExtra) {
      const input = new NodeHandleInput(incoming, url, identity, mode, format, instance, extra);
      return answerError(registry, thrown, input, sentByHost, addExtra);
    },
    afterHeaders(thrown, identity) {
      const error = coerceError(thrown);
      try {
        identity.logger.error({ requestId: identity.requestId, code: 'ERRAND_INTERNAL', err: error, afterHeaders: true }, `the response failed after its headers were sent: ${error.message}`);
      } catch {
        // A broken logger must not turn a failed response into a crash.
      }
    },
  };
}
