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
