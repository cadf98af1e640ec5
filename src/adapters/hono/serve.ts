import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { serve as nodeServe, type ServerType } from '@hono/node-server';
import { defaultLogger } from '../../logging/default-logger.js';
import { coerceError } from '../../errors/coerce-error.js';
import { InFlightResponses } from './in-flight-responses.js';
import type { DrainReport } from '../../tasks/drain.js';
import type { TaskLogger, TaskRunner } from '../../tasks/task-runner.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The app's fetch (`app.fetch`). */
  fetch: Parameters<typeof nodeServe>[0]['fetch'];
  /** `0` picks a free port (see `listening`). @default 3000 */
  port?: number;
  /** @default undefined (all interfaces) */
  hostname?: string;
  /** The after-response task runner to drain at shutdown (`background().runner`). @default undefined */
  runner?: TaskRunner;
  /**
   * Total shutdown budget in ms: in-flight requests first, then their tasks get what is left.
   * Keep it below your orchestrator's grace period (Kubernetes: 30 s).
   * @default 10_000
   */
  shutdownTimeoutMs?: number;
  /** Signals that start a graceful shutdown; `false` installs none. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[] | false;
  /** After a signal-started shutdown, exit the process (code 0; 1 if shutdown itself failed). @default true */
  exitOnSignal?: boolean;
  /** @default pino on stdout through createLogDestination (never blocks, never holds the process at exit), name 'errand' */
  logger?: TaskLogger;
}

/** What a graceful shutdown did. */
export interface ShutdownReport {
  requests: {
    /** In-flight requests that completed during shutdown. */
    finished: number;
    /** Requests still open at the deadline, whose connections were closed. */
    aborted: number;
  };
  /** The task runner's drain report (empty when no runner was given). */
  tasks: DrainReport;
  durationMs: number;
}

/** A running server with graceful shutdown. */
export interface ErrandServer {
  readonly server: ServerType;
  /** Resolves with the bound address once listening; rejects if listening failed. */
  readonly listening: Promise<AddressInfo>;
  /**
   * Stops accepting connections, closes idle keep-alive sockets, lets in-flight requests finish,
   * drains the runner's tasks until the deadline and reports what could not finish. Idempotent.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<ShutdownReport>;
}

/**
 * Serves a Hono app on Node (@hono/node-server) with graceful shutdown on one call and on
 * SIGTERM/SIGINT. Responses sent during shutdown carry `Connection: close`.
 *
 * @example
 * const tasks = background();
 * app.use(tasks);
 * const { listening } = serve({ fetch: app.fetch, port: 3000, runner: tasks.runner });
 * console.log('listening on', (await listening).port);
 */
export function serve(options: ServeOptions): ErrandServer {
  const logger = options.logger ?? defaultLogger('errand');
  const budget = options.shutdownTimeoutMs ?? 10_000;
  const inFlight = new InFlightResponses();
  let resolveListening: (info: AddressInfo) => void = () => {};
  let rejectListening: (error: Error) => void = () => {};
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    resolveListening = resolve;
    rejectListening = reject;
  });
  // Callers who never look at `listening` must not get an unhandled rejection; the error is logged.
  listening.catch(() => undefined);

  // A RequestIdResponse (errand's X-Request-Id is written inside writeHead, keeping Node's fast
  // path) that also counts the responses in flight, for the shutdown.
  const server = nodeServe({ fetch: options.fetch, port: options.port ?? 3000, hostname: options.hostname, serverOptions: { ServerResponse: inFlight.Response } }, resolveListening);
  server.on('error', (error: Error) => {
    logger.error({ err: error }, 'the server failed');
    rejectListening(error);
  });
  const signals = options.signals === false ? [] : (options.signals ?? ['SIGTERM', 'SIGINT']);
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    shutdown().then(
      () => options.exitOnSignal !== false && process.exit(0),
      (error: unknown) => {
        logger.error({ err: coerceError(error) }, 'graceful shutdown failed');
        if (options.exitOnSignal !== false) process.exit(1);
      },
    );
  };
  for (const signal of signals) process.once(signal, onSignal);

  let shuttingDown: Promise<ShutdownReport> | undefined;
  function shutdown(shutdownOptions: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    shuttingDown ??= run(shutdownOptions.timeoutMs ?? budget);
    return shuttingDown;
  }

  async function run(timeoutMs: number): Promise<ShutdownReport> {
    for (const signal of signals) process.off(signal, onSignal);
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    inFlight.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    closeIdle(server);
    const openAtStart = inFlight.count;
    await waitUntil(deadline, (done) => inFlight.whenIdle(done));
    const aborted = inFlight.count;
    closeAll(server);
    await closed;
    const tasks = options.runner === undefined ? emptyReport() : await options.runner.drain({ timeoutMs: Math.max(0, deadline - Date.now()) });
    const report: ShutdownReport = { requests: { finished: Math.min(inFlight.closedDuringShutdown, openAtStart), aborted }, tasks, durationMs: performance.now() - started };
    const complete = aborted === 0 && tasks.interrupted.length === 0 && tasks.dropped.length === 0;
    if (complete) logger.info({ report }, 'shutdown complete');
    else logger.warn({ report }, 'shutdown complete; some work did not finish (see report)');
    return report;
  }

  return { server, listening, shutdown };
}

/** Waits for `start(done)` to call `done`, or until the deadline, whichever comes first. */
async function waitUntil(deadline: number, start: (done: () => void) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    start(resolve);
  });
  clearTimeout(timer);
}

function closeIdle(server: ServerType): void {
  if ('closeIdleConnections' in server) server.closeIdleConnections();
}

function closeAll(server: ServerType): void {
  if ('closeAllConnections' in server) server.closeAllConnections();
}

function emptyReport(): DrainReport {
  return { finished: 0, interrupted: [], enqueued: [], dropped: [], durationMs: 0 };
}
