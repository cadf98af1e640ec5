import type { ClaimedJob, Completion, Lease } from './backend.js';
import type { RunnableTask } from './runnable-task.js';
import type { AttemptSpan } from '../tracing/job-spans.js';
import { LazyAbort } from './lazy-abort.js';

/**
 * One job in a worker's hands. It is also the `Completion` handed to `completeMany` (its `lease`
 * and `result`), so finishing a job allocates nothing more.
 *
 * The AbortController is made only when the handler reads `context.signal`: most handlers never
 * do, and a controller with its signal is the biggest allocation of a no-op job. Until then an
 * abort only records its reason and calls `onAbort`, which is how the worker stops waiting for a
 * handler that ignores its signal.
 */
export class ActiveJob extends LazyAbort implements Completion {
  readonly job: ClaimedJob;
  readonly task: RunnableTask;
  /** The current lease (its `leaseUntil` moves with each heartbeat). */
  readonly lease: Lease;
  /** Epoch ms of the claim, then of the handler's start once it started. */
  startedAt: number;
  /**
   * `claimed`: waiting in the worker for a free slot (its lease is held and renewed); `running`: the
   * handler runs and counts against concurrency; `ending`: the outcome is decided and being recorded.
   */
  phase: 'claimed' | 'running' | 'ending' = 'claimed';
  /** The handler's return value, once it returned. */
  result: unknown = undefined;
  /** Called once, with the reason and this job, by the first `abort` (set while it waits for a slot or an async handler runs). */
  onAbort: ((reason: Error, active: ActiveJob) => void) | undefined = undefined;
  /** The timeout timer, when the task has a timeout. */
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The attempt's span, when a tracer provider is registered. */
  trace: AttemptSpan | undefined = undefined;

  constructor(job: ClaimedJob, task: RunnableTask, startedAt: number) {
    super();
    this.job = job;
    this.task = task;
    this.lease = { jobId: job.jobId, token: job.token, leaseUntil: job.leaseUntil };
    this.startedAt = startedAt;
  }

  /**
   * Aborts the attempt (timeout, cancellation, lost lease, shutdown: an ErrandError with code
   * ERRAND_JOB_TIMEOUT, ERRAND_JOB_CANCELLED, ERRAND_LEASE_LOST or ERRAND_SHUTTING_DOWN); the first
   * call also tells `onAbort`. Later calls keep the first reason.
   */
  override abort(reason: Error): boolean {
    if (!super.abort(reason)) return false;
    const onAbort = this.onAbort;
    this.onAbort = undefined;
    onAbort?.(reason, this);
    return true;
  }

  clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
