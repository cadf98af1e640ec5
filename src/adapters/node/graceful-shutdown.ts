import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { defaultLogger } from '../../logging/default-logger.js';
import { coerceError } from '../../errors/coerce-error.js';
import { emptyDrainReport, type DrainReport } from '../../tasks/drain.js';
import type { TaskLogger, TaskRunner } from '../../tasks/task-runner.js';
import { InFlightRequests } from './in-flight-requests.js';

/** Anything stopped with `stop({ timeoutMs })`: an in-process job worker (`createWorker(...)`). */
export interface StoppableWorker {
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** Anything closed last: the job backend. */
export interface ClosableBackend {
  close(): Promise<void>;
}

/** Options of {@link createGracefulShutdown}. */
export interface GracefulShutdownOptions {
  /** The Node HTTP server (Hono's `serve()`, `app.listen()` on Express, `fastify.server`). Pass it before it listens. @default undefined (no server) */
  server?: Server;
  /** The after-response task runner to drain. @default undefined */
  runner?: TaskRunner;
  /** An in-process job worker: its running jobs finish, or are released at the deadline. @default undefined */
  worker?: StoppableWorker;
  /** Closed once everything else has stopped. @default undefined */
  backend?: ClosableBackend;
  /**
   * The whole budget in ms. Keep it below your orchestrator's grace period (Kubernetes: 30 s). A
   * tenth of it (at most 1 s) is kept for releasing the worker's jobs and closing the backend.
   * @default 10_000
   */
  timeoutMs?: number;
  /** Signals that start the shutdown; `false` installs none. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[] | false;
  /** After a signal-started shutdown, exit the process (code 0; 1 if shutdown failed or overran its deadline). @default true */
  exitOnSignal?: boolean;
  /** @default errand's JSON logger (`defaultLogger`: pino's line format at `info` on stdout through createLogDestination), name 'errand' */
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
  /** Whether an in-process worker was stopped (its jobs finished or were released). */
  workerStopped: boolean;
  durationMs: number;
}

/** Runs the shutdown once (later calls get the same report). */
export type GracefulShutdown = (options?: { timeoutMs?: number }) => Promise<ShutdownReport>;

/**
 * The one graceful shutdown, the same on every host. Call it at start-up (it starts counting the
 * server's requests and listens for SIGTERM/SIGINT); it returns the function that shuts down, in
 * this order, within one deadline:
 *
 * 1. stops taking requests: the server stops accepting, idle keep-alive sockets are closed,
 *    responses say `Connection: close`, in-flight requests finish (connections still open at the
 *    deadline are closed); the in-process worker stops claiming at once;
 * 2. drains after-response tasks (new requests get 503 ERRAND_SHUTTING_DOWN); defined tasks still
 *    pending at the deadline move to the durable queue, others are dropped and reported;
 * 3. waits for the worker's running jobs, then aborts and releases those still running (back to
 *    `queued`, the attempt not counted) so another process runs them at once;
 * 4. closes the backend.
 *
 * On a signal it then exits the process; a timer exits it anyway one second past the deadline.
 *
 * @example
 * const server = app.listen(3000); // Express; Fastify: fastify.server; Hono: serve() does this itself
 * const worker = createWorker({ backend, tasks }).start();
 * createGracefulShutdown({ server, runner, worker, backend, timeoutMs: 20_000 });
 */
export function createGracefulShutdown(options: GracefulShutdownOptions): GracefulShutdown {
  const logger = options.logger ?? defaultLogger('errand');
  const budget = options.timeoutMs ?? 10_000;
  const requests = options.server === undefined ? undefined : new InFlightRequests(options.server);
  const signals = options.signals === false ? [] : (options.signals ?? ['SIGTERM', 'SIGINT']);
  const exitOnSignal = options.exitOnSignal !== false;
  let running: Promise<ShutdownReport> | undefined;

  const shutdown: GracefulShutdown = (shutdownOptions = {}) => {
    for (const signal of signals) process.off(signal, onSignal);
    running ??= run(shutdownOptions.timeoutMs ?? budget);
    return running;
  };

  function onSignal(signal: NodeJS.Signals): void {
    logger.info({ signal }, 'shutting down');
    // Whatever hangs (a stuck close, a log sink that never drains), the process ends.
    if (exitOnSignal) setTimeout(() => process.exit(1), budget + 1_000).unref();
    shutdown().then(
      () => exitOnSignal && process.exit(0),
      (error: unknown) => {
        logger.error({ err: coerceError(error) }, 'graceful shutdown failed');
        if (exitOnSignal) process.exit(1);
      },
    );
  }
  for (const signal of signals) process.once(signal, onSignal);

  async function run(timeoutMs: number): Promise<ShutdownReport> {
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    const hasLastSteps = options.worker !== undefined || options.backend !== undefined;
    const reserve = hasLastSteps ? Math.min(1_000, timeoutMs / 10) : 0;
    const left = (): number => Math.max(0, deadline - reserve - Date.now());
    // The worker stops claiming now; its running jobs get until the deadline (less the reserve).
    const workerStopped = options.worker?.stop({ timeoutMs: left() });
    const requestReport = options.server === undefined ? { finished: 0, aborted: 0 } : await stopServer(options.server, requests!, deadline - reserve);
    const tasks = options.runner === undefined ? emptyDrainReport() : await options.runner.drain({ timeoutMs: left() });
    await workerStopped;
    await options.backend?.close();
    const report: ShutdownReport = { requests: requestReport, tasks, workerStopped: workerStopped !== undefined, durationMs: performance.now() - started };
    const complete = requestReport.aborted === 0 && tasks.interrupted.length === 0 && tasks.dropped.length === 0;
    if (complete) logger.info({ report }, 'shutdown complete');
    else logger.warn({ report }, 'shutdown complete; some work did not finish (see report)');
    return report;
  }

  return shutdown;
}

/** Stops accepting, lets in-flight requests finish until `deadline`, then closes what is left. */
async function stopServer(server: Server, requests: InFlightRequests, deadline: number): Promise<ShutdownReport['requests']> {
  requests.closing();
  const openAtStart = requests.count;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([requests.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
  const aborted = requests.count;
  server.closeAllConnections();
  await closed;
  return { finished: Math.min(requests.closedDuringShutdown, openAtStart), aborted };
}
