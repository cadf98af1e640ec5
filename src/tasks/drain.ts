import type { BackgroundTasks } from './background-tasks.js';
import { shouldRun, type DefinedTaskEntry, type TaskEntry } from './task-entry.js';

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

/** What the runner does with each task it gives up on. */
export interface RemainingHandlers {
  /** A task whose `when` rules it out for the final status. */
  ruledOut(entry: TaskEntry): void;
  /** Undefined when the runner has no queue. Resolves to the job id, or undefined if enqueueing failed. */
  enqueue: ((entry: DefinedTaskEntry) => Promise<string | undefined>) | undefined;
  drop(entry: TaskEntry): void;
}

interface BatchCursor {
  batch: BackgroundTasks;
  status: number | undefined;
  next: number;
}

/**
 * Hands every task of a batch not run yet to `handlers`, in order. A task whose `when` rules it out
 * is skipped, not dropped. When the response never finished (status unknown) only `when: 'always'`
 * defined tasks are enqueued: the others' condition cannot be judged, so they are dropped and reported.
 */
export async function collectRemaining(cursor: BatchCursor, report: DrainReport | undefined, handlers: RemainingHandlers): Promise<void> {
  const { entries } = cursor.batch;
  const rest = entries.slice(cursor.next);
  // Claim them before any await so the batch's own loop cannot run them too.
  cursor.next = entries.length;
  for (const entry of rest) {
    const reference = { task: entry.name, requestId: cursor.batch.requestId };
    if (cursor.status !== undefined && !shouldRun(entry.when, cursor.status)) {
      handlers.ruledOut(entry);
      continue;
    }
    const judgeable = cursor.status !== undefined || entry.when === 'always';
    if (entry.kind === 'definition' && handlers.enqueue !== undefined && judgeable) {
      const jobId = await handlers.enqueue(entry);
      if (jobId !== undefined) report?.enqueued.push({ ...reference, jobId });
      else report?.dropped.push(reference);
      continue;
    }
    handlers.drop(entry);
    report?.dropped.push(reference);
  }
}
