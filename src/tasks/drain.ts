import { performance } from 'node:perf_hooks';
import type { DrainDeadline } from './drain-deadline.js';
import { logSafely } from './log-safely.js';
import type { TaskBatch } from './task-batch.js';
import type { TaskLogger } from './task-runner-options.js';
import type { TaskStats } from './task-stats.js';

/** Options of `runner.drain()`. */
export interface DrainOptions {
  /** How long to wait for pending tasks before giving up on them, in ms. @default the runner's `drainTimeoutMs` (10_000) */
  timeoutMs?: number;
}

/** One task named in a {@link DrainReport}. */
export interface TaskReference {
  task: string;
  requestId: string | undefined;
}

/** What graceful shutdown could and could not finish. */
export interface DrainReport {
  /** Tasks that came to an end during the drain (succeeded, failed, timed out, skipped by `when`, or enqueued as asked). */
  finished: number;
  /** Still running at the deadline: their signal was aborted; their outcome is unknown. */
  interrupted: TaskReference[];
  /** Defined tasks not yet started at the deadline, moved to the durable queue. */
  enqueued: (TaskReference & { jobId: string })[];
  /** Not yet started at the deadline and not enqueued (ERRAND_TASK_DROPPED, logged and counted). */
  dropped: TaskReference[];
  durationMs: number;
}

/** An empty report, filled in by the drain. */
export function emptyDrainReport(): DrainReport {
  return { finished: 0, interrupted: [], enqueued: [], dropped: [], durationMs: 0 };
}

/** What {@link drainTasks} works with: the runner's bookkeeping and the two steps it takes. */
export interface DrainSubject {
  readonly stats: TaskStats;
  readonly logger: TaskLogger;
  readonly deadline: DrainDeadline;
  /** The batches with a task not settled yet. */
  pending(): readonly TaskBatch[];
  /** Resolves when no task is pending. */
  onIdle(): Promise<void>;
  /** From now on no task starts: the drain gave up waiting (or had nothing to wait for). */
  stop(): void;
}

/**
 * A runner's graceful shutdown once it refuses new requests: waits for its pending tasks up to
 * `timeoutMs`, then has the {@link DrainDeadline} interrupt those still running and move or drop
 * those not started; logs a summary and reports what finished, was interrupted, enqueued or dropped.
 *
 * @example
 * const report = await drainTasks(subject, 10_000);
 */
export async function drainTasks(subject: DrainSubject, timeoutMs: number): Promise<DrainReport> {
  const started = performance.now();
  const settledBefore = settledCount(subject.stats);
  const report = emptyDrainReport();
  const idle = await waitIdle(subject, timeoutMs);
  subject.stop();
  if (!idle) await subject.deadline.pass(subject.pending(), report);
  report.finished = settledCount(subject.stats) - settledBefore - report.enqueued.length;
  report.durationMs = performance.now() - started;
  const summary = { finished: report.finished, interrupted: report.interrupted.length, enqueued: report.enqueued.length, dropped: report.dropped.length };
  if (idle) logSafely(subject.logger, 'info', summary, 'after-response tasks drained');
  else logSafely(subject.logger, 'warn', { ...summary, report }, `after-response tasks did not all finish within ${timeoutMs} ms`);
  return report;
}

/** Tasks that came to an end one way or another (enqueued ones included). */
function settledCount(s: TaskStats): number {
  return s.succeeded + s.failed + s.timedOut + s.skipped + s.enqueued;
}

/** Whether the subject went idle within `timeoutMs`. */
async function waitIdle(subject: DrainSubject, timeoutMs: number): Promise<boolean> {
  if (subject.pending().length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([subject.onIdle().then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
