/**
 * Counters of one runner since it was created (monotonic unless noted). Read them with
 * `runner.stats()`; subscribe to `runner.on('task:…')` for per-task durations.
 */
export interface TaskStats {
  /** Tasks handed to `add`. */
  added: number;
  /** Tasks that began running in this process. */
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  /** Still running at the shutdown deadline. */
  interrupted: number;
  /** Not run because their `when` did not match the response status. */
  skipped: number;
  /** Put on the durable queue (`durable: true`, or pending at shutdown). */
  enqueued: number;
  /** Could not run and could not be enqueued (ERRAND_TASK_DROPPED). */
  dropped: number;
  /** Requests answered 503 ERRAND_OVERLOADED at the in-flight bound. */
  rejectedRequests: number;
  /** Requests answered 503 ERRAND_SHUTTING_DOWN once `drain()` began. */
  refusedWhileClosing: number;
  /** Gauge: tasks added and not yet settled (waiting for their response, queued behind another, or running). */
  pending: number;
  /** Gauge: tasks running now. */
  running: number;
  /** Gauge: tasks that timed out or were interrupted and whose code has not returned yet (they ignored the signal). */
  abandoned: number;
  /** Sum of the durations of tasks that ran here (succeeded, failed, timed out), in ms. */
  durationMsTotal: number;
}

/** A fresh set of zeroed counters. */
export function emptyStats(): TaskStats {
  return {
    added: 0,
    started: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    interrupted: 0,
    skipped: 0,
    enqueued: 0,
    dropped: 0,
    rejectedRequests: 0,
    refusedWhileClosing: 0,
    pending: 0,
    running: 0,
    abandoned: 0,
    durationMsTotal: 0,
  };
}
