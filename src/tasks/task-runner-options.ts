import type { TaskErrorInfo } from '../errors/task-error.js';
import type { Enqueuer } from '../jobs/task-definition.js';

/** Receives every task failure and timeout (wire it to the error registry's task-error handlers). */
export type TaskErrorReporter = (error: Error, info: TaskErrorInfo) => void | Promise<void>;

/** The part of a logger the runner uses; a pino logger fits. */
export interface TaskLogger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

/** Options of {@link createTaskRunner}. */
export interface TaskRunnerOptions {
  /**
   * The in-flight bound: while this many tasks are pending (added and not settled, including
   * timed-out tasks still running), new requests are refused with 503 ERRAND_OVERLOADED and a
   * `Retry-After` header before their handler runs. Tasks of requests already admitted always run.
   * A pending task awaiting a timer holds about 1.6 KB (bench/task-heap.ts), plus its finished
   * request (about 8 KB) while a task-error handler may read `info.context`, so the default bounds
   * task memory near 16 MB (100 MB with task-error handlers) while leaving room for 200 ms tasks at
   * 50k requests/s.
   * @default 10_000
   */
  maxPending?: number;
  /** `Retry-After` seconds sent with the 503. @default 1 */
  retryAfterSeconds?: number;
  /** Timeout of each task without its own `timeout`, in ms. @default undefined (none) */
  taskTimeoutMs?: number;
  /** How long `drain()` waits for tasks by default, in ms. @default 10_000 */
  drainTimeoutMs?: number;
  /** Receives each task failure and timeout. @default undefined (logged only) */
  onError?: TaskErrorReporter;
  /** The durable queue, for `durable: true` and for defined tasks pending at shutdown. @default undefined */
  queue?: Enqueuer;
  /** @default pino on stdout through createLogDestination (never blocks, never holds the process at exit), name 'errand' */
  logger?: TaskLogger;
}
