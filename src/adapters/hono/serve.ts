import type { AddressInfo, Socket } from 'node:net';
import { serve as nodeServe, type ServerType } from '@hono/node-server';
import type { IncomingMessage, Server, ServerOptions as NodeServerOptions, ServerResponse } from 'node:http';
import { defaultLogger } from '../../logging/default-logger.js';
import type { TaskLogger, TaskRunner } from '../../tasks/task-runner.js';
import { createGracefulShutdown, type ClosableBackend, type ShutdownReport, type StoppableWorker } from '../node/graceful-shutdown.js';
import { answerClientErrors, type ClientErrorOptions } from '../node/client-errors.js';
import { RequestIdResponse } from './request-id-response.js';

export type { ShutdownReport };

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The app's fetch (`app.fetch`). */
  fetch: Parameters<typeof nodeServe>[0]['fetch'];
  /** `0` picks a free port (see `listening`). @default 3000 */
  port?: number;
  /** @default undefined (all interfaces) */
  hostname?: string;
  /** The after-response task runner to drain at shutdown (`errand(app).runner`, or `background().runner`). @default undefined */
  runner?: TaskRunner;
  /** An in-process job worker, stopped at shutdown after the tasks: its jobs finish or are released. @default undefined */
  worker?: StoppableWorker;
  /** The job backend, closed last. @default undefined */
  backend?: ClosableBackend;
  /**
   * Total shutdown budget in ms (see `createGracefulShutdown`): in-flight requests, their tasks,
   * the worker's jobs, the backend. Keep it below your orchestrator's grace period (Kubernetes: 30 s).
   * @default 10_000
   */
  shutdownTimeoutMs?: number;
  /** Signals that start a graceful shutdown; `false` installs none. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[] | false;
  /** After a signal-started shutdown, exit the process (code 0; 1 if shutdown itself failed). @default true */
  exitOnSignal?: boolean;
  /**
   * How requests Node's HTTP parser refuses are answered (see `answerClientErrors`): errand's
   * problem with a stable code, a new request id and `Connection: close`, with these options (pass
   * the object `errand(app)` returned to use its `mode` and `format`); `false` leaves them to Node's
   * bare status line.
   * @default { logger } (the `logger` below; the mode from NODE_ENV)
   */
  clientErrors?: ClientErrorOptions | false;
  /** @default errand's JSON logger (`defaultLogger`: pino's line format at `info` on stdout through createLogDestination, which never blocks and never holds the process at exit), name 'errand' */
  logger?: TaskLogger;
  /**
   * Node's `http.createServer` options: `headersTimeout`, `requestTimeout`, `keepAliveTimeout`,
   * `connectionsCheckingInterval`, `maxHeaderSize`, `requireHostHeader`… (each with Node's own
   * default when left out). `ServerResponse` defaults to errand's `RequestIdResponse`, which writes
   * `X-Request-Id` inside `writeHead`; a class of your own should extend it.
   * @default { ServerResponse: RequestIdResponse }
   * @example
   * serve({ fetch: app.fetch, serverOptions: { headersTimeout: 20_000, requestTimeout: 120_000, keepAliveTimeout: 5_000 } })
   */
  serverOptions?: NodeServerOptions;
  /**
   * The most requests one connection gets answered by the app; `0` for no bound (Node's default).
   * Node's own `server.maxRequestsPerSocket` answers the requests past it with a bare 503 but keeps
   * the connection and goes on parsing what the client pipelines; so the answer at the bound also
   * carries `Connection: close`, and Node ends the connection once it is written: requests
   * pipelined past the bound are never read (RFC 9112 §9.3.2 has the client retry them on a new
   * connection). Without a bound, one connection can keep thousands of pipelined requests in the
   * app at once.
   * @default 0
   * @example
   * serve({ fetch: app.fetch, maxRequestsPerSocket: 100 })
   */
  maxRequestsPerSocket?: number;
}

/** A running server with graceful shutdown. */
export interface ErrandServer {
  readonly server: ServerType;
  /** Resolves with the bound address once listening; rejects if listening failed. */
  readonly listening: Promise<AddressInfo>;
  /**
   * The graceful shutdown (`createGracefulShutdown`): stops accepting connections, lets in-flight
   * requests finish, drains the runner's tasks, stops the worker, closes the backend, all within
   * the deadline, and reports what could not finish. Idempotent.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<ShutdownReport>;
}

/**
 * Serves a Hono app on Node (@hono/node-server) with graceful shutdown on one call and on
 * SIGTERM/SIGINT. Responses sent during shutdown carry `Connection: close`.
 *
 * @example
 * const { runner } = errand(app);
 * const { listening } = serve({ fetch: app.fetch, port: 3000, runner });
 * console.log('listening on', (await listening).port);
 */
export function serve(options: ServeOptions): ErrandServer {
  const logger = options.logger ?? defaultLogger('errand');
  let resolveListening: (info: AddressInfo) => void = () => {};
  let rejectListening: (error: Error) => void = () => {};
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    resolveListening = resolve;
    rejectListening = reject;
  });
  // Callers who never look at `listening` must not get an unhandled rejection; the error is logged.
  listening.catch(() => undefined);

  // A RequestIdResponse writes errand's X-Request-Id inside writeHead (see its doc comment).
  const serverOptions: NodeServerOptions = { ServerResponse: RequestIdResponse, ...options.serverOptions };
  const server = nodeServe({ fetch: options.fetch, port: options.port ?? 3000, hostname: options.hostname, serverOptions }, resolveListening);
  if (options.maxRequestsPerSocket !== undefined && options.maxRequestsPerSocket > 0) boundRequestsPerSocket(server as Server, options.maxRequestsPerSocket);
  server.on('error', (error: Error) => {
    logger.error({ err: error }, 'the server failed');
    rejectListening(error);
  });
  if (options.clientErrors !== false) answerClientErrors(server as Server, { logger, ...options.clientErrors });
  const shutdown = createGracefulShutdown({
    server: server as Server,
    runner: options.runner,
    worker: options.worker,
    backend: options.backend,
    timeoutMs: options.shutdownTimeoutMs,
    signals: options.signals,
    exitOnSignal: options.exitOnSignal,
    logger,
  });
  return { server, listening, shutdown };
}

/**
 * Node's `maxRequestsPerSocket`, plus `Connection: close` on the answer at the bound, set before the
 * app's listener runs (a response the app writes at once has its headers sent by then).
 */
function boundRequestsPerSocket(server: Server, bound: number): void {
  server.maxRequestsPerSocket = bound;
  const served = new WeakMap<Socket, number>();
  server.prependListener('request', function closeConnectionAtItsBound(request: IncomingMessage, response: ServerResponse) {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    if (count >= bound) response.setHeader('Connection', 'close');
  });
}
