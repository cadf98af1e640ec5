import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobBackend } from './backend.js';
import type { AttemptSpanParent } from '../tracing/attempt-span-parent.js';
import type { ScheduleDefinition } from './define-schedule.js';
import type { TaskList } from './runnable-task.js';
import type { WorkerEvents, WorkerListener } from './worker-events.js';
import { consoleWorkerLogger, type WorkerLogger } from './worker-logger.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  backend: JobBackend;
  /** The tasks this worker runs: a list, or a module's exports (anything not made by `defineTask` is ignored). */
  tasks: TaskList;
  /** Handlers running at once in this worker (a job whose handler returned stops counting while its completion is stored). @default 10 */
  concurrency?: number;
  /** Most jobs taken in one claim, and most claimed ahead of free slots when jobs are short (see docs/jobs.md). @default concurrency */
  batchSize?: number;
  /** Lease length: a job whose worker stops renewing runs again this long after. @default 30_000 */
  leaseMs?: number;
  /** How often leases are renewed; must be below `leaseMs`. @default leaseMs / 3 */
  heartbeatMs?: number;
  /**
   * Keep a liveness record, separate from job leases, from a thread of its own (its own event loop
   * and backend connection), when the backend offers it (SQLite files, Redis, Postgres). A worker whose record
   * lapses (the process died: kill -9, OOM, a lost machine) has its jobs taken back within
   * `livenessTtlMs` instead of `leaseMs`; a worker whose main thread is merely blocked keeps beating
   * and keeps its jobs. `false`: leases alone. @default true
   */
  liveness?: boolean;
  /** How often the liveness record is written. @default 500 */
  livenessIntervalMs?: number;
  /** How long a liveness record stays valid: a dead worker's jobs run again about this long after it died. Must be above `livenessIntervalMs`. @default 3_000 */
  livenessTtlMs?: number;
  /** How long an idle worker waits for a job before asking again. @default 1000 */
  pollMs?: number;
  /** How long `stop()` waits for running jobs before aborting and releasing them. @default 10_000 */
  shutdownTimeoutMs?: number;
  /** How often finished jobs past their retention are pruned; 0 turns pruning off. @default 60_000 */
  pruneIntervalMs?: number;
  /** @default consoleWorkerLogger (warnings and errors only) */
  logger?: WorkerLogger;
  /** Stores the stack (and cause) with each job error. @default false */
  debug?: boolean;
  /**
   * With OpenTelemetry, each attempt is a `process` span: `'link'` starts a new trace per attempt
   * linked to the span that enqueued the job; `'child'` makes it a child of that span, in the
   * request's trace. See docs/tracing.md.
   * @default 'link'
   */
  attemptSpanParent?: AttemptSpanParent;
  /**
   * Schedules declared in code (`defineSchedule`), upserted when the worker starts: new ones are
   * stored, changed ones updated, and stored schedules of this worker's tasks that are not in the list
   * removed. Undefined leaves the stored schedules as they are (the worker still ticks them). See
   * docs/schedules.md. @default undefined
   */
  schedules?: readonly ScheduleDefinition[];
  /** Tick the stored schedules of this worker's tasks (when the backend stores schedules). @default true */
  scheduler?: boolean;
  /** Longest time between two looks at the stored schedules (a worker also wakes at the earliest next tick). @default 1000 */
  schedulerPollMs?: number;
  /** Clock of the scheduler, for tests. @default Date.now */
  now?: () => number;
  /** Names this worker in job history. @default `${hostname}:${pid}:${random}` */
  workerId?: string;
}

/** A running worker. */
export interface Worker {
  readonly id: string;
  /** Jobs currently in this worker's hands: running, claimed ahead and waiting for a slot, or being recorded. */
  readonly activeCount: number;
  /** Starts claiming jobs. Idempotent. */
  start(): Worker;
  /**
   * Stops claiming, waits up to `timeoutMs` for running jobs, then aborts their signals
   * (reason ERRAND_SHUTTING_DOWN) and releases them so another worker runs them promptly.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  on<E extends keyof WorkerEvents>(event: E, listener: WorkerListener<E>): () => void;
}

/** The options of {@link createWorker} checked and with their defaults filled in. */
export interface WorkerSettings {
  readonly id: string;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  readonly logger: WorkerLogger;
  /** 0 when liveness is off. */
  readonly livenessIntervalMs: number;
  readonly livenessTtlMs: number;
}

/** Checks a numeric option of createWorker. */
export function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`createWorker: ${name} must be > 0, got ${value}`);
  return value;
}

/** Checks the options of createWorker (a RangeError names the bad one) and fills in the defaults. */
export function resolveWorkerOptions(options: WorkerOptions): WorkerSettings {
  const concurrency = positive('concurrency', options.concurrency ?? 10);
  const batchSize = positive('batchSize', options.batchSize ?? concurrency);
  const leaseMs = positive('leaseMs', options.leaseMs ?? 30_000);
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)));
  if (heartbeatMs >= leaseMs) throw new RangeError(`createWorker: heartbeatMs (${heartbeatMs}) must be below leaseMs (${leaseMs}) or leases lapse between heartbeats`);
  const pollMs = positive('pollMs', options.pollMs ?? 1000);
  const livenessIntervalMs = options.liveness === false ? 0 : positive('livenessIntervalMs', options.livenessIntervalMs ?? 500);
  const livenessTtlMs = positive('livenessTtlMs', options.livenessTtlMs ?? 3_000);
  if (livenessIntervalMs >= livenessTtlMs) throw new RangeError(`createWorker: livenessIntervalMs (${livenessIntervalMs}) must be below livenessTtlMs (${livenessTtlMs}) or the record lapses between beats`);
  const logger = options.logger ?? consoleWorkerLogger;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  return { id, concurrency, batchSize, leaseMs, heartbeatMs, pollMs, logger, livenessIntervalMs, livenessTtlMs };
}
