import { coerceError } from '../errors/coerce-error.js';
import type { ProblemDetails } from '../errors/problem-details.js';
import { ErrandError, isErrandError } from '../errors/errand-error.js';
import type { JobBackend } from './backend.js';
import { computeBackoff } from './backoff.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { jobErrorProblem } from './job-error-problem.js';
import { isThenable, parsePayload } from './parse-payload.js';
import type { TaskContext } from './task-definition.js';
import { maySettleAgain, settleRetryDelay } from './settle-retry.js';
import { isUnrecoverableError } from './unrecoverable-error.js';
import type { ActiveJob } from './worker-active-job.js';
import type { WorkerEmitter } from './worker-events.js';
import type { WorkerLogger } from './worker-logger.js';
import { sleep } from './worker-timers.js';
import { endAttemptSpan, runInAttemptSpan, startAttemptSpan, type AttemptSpanParent } from '../tracing/job-spans.js';

export type { ActiveJob } from './worker-active-job.js';

/** What an attempt needs from its worker. */
export interface AttemptEnvironment {
  backend: JobBackend;
  events: WorkerEmitter;
  logger: WorkerLogger;
  completions: CompletionBatcher;
  debug: boolean;
  /** How each attempt's span relates to the enqueuing span. */
  attemptSpanParent: AttemptSpanParent;
  now: () => number;
  /** Reports a backend failure outside what the attempt itself records. */
  reportError: (error: Error) => void;
  /**
   * Called once per attempt when its outcome is decided (the handler returned, threw or was
   * aborted), before the backend records it: the attempt no longer counts against concurrency.
   */
  handlerDone: (active: ActiveJob) => void;
  /** Called exactly once per attempt, when the backend has recorded its end (or failed to). */
  finished: (active: ActiveJob) => void;
  /** Aborted when the worker's stop deadline has passed: a failed settlement is then not tried again. */
  pastDeadline: AbortSignal;
}

/** Runs a fenced call; a lost lease is logged (warn) and answers false instead of rejecting. */
async function ignoreLostLease(env: AttemptEnvironment, active: ActiveJob, action: string, call: () => Promise<void>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (thrown) {
    if (!isErrandError(thrown, 'ERRAND_LEASE_LOST')) throw thrown;
    env.logger.warn({ jobId: active.job.jobId, task: active.job.task, attempt: active.job.attempt, action }, 'lease lost: another worker owns this job now; this outcome was discarded');
    return false;
  }
}

/**
 * Records how an attempt ended (a fenced call: fail, cancelled, release) as `ignoreLostLease` does,
 * and tries again when the backend failed transiently (ERRAND_BACKEND_UNAVAILABLE: a dropped
 * connection, a timed-out statement, a busy database), as the completion batcher does for
 * successes. Without this one failed call left the job `running` until its lease lapsed, a
 * cancelled job included. Each failed try is reported
 * (`worker:error`) and logged with the job's ids; the tries go on with backoff while this worker
 * still holds the lease it held when the settlement began and its stop deadline has not passed;
 * then the last error is thrown (and the backend's lease sweep settles the job).
 */
async function settleWithRetries(env: AttemptEnvironment, active: ActiveJob, action: string, call: () => Promise<void>): Promise<boolean> {
  // The lease as it stands now: a heartbeat renewing it meanwhile must not keep a settlement that
  // always fails (an SQL error is ERRAND_BACKEND_UNAVAILABLE too) trying for ever.
  const until = active.lease.leaseUntil;
  for (let tries = 1; ; tries += 1) {
    try {
      return await ignoreLostLease(env, active, action, call);
    } catch (thrown) {
      const delay = settleRetryDelay(tries);
      if (!maySettleAgain(thrown, env.pastDeadline, Date.now() + delay, until)) throw thrown;
      env.reportError(thrown);
      const { job } = active;
      env.logger.warn({ jobId: job.jobId, task: job.task, attempt: job.attempt, action, tries, retryInMs: delay }, `could not record the attempt's end (${action}); trying again while this worker holds the lease`);
      await sleep(delay, env.pastDeadline);
    }
  }
}

/**
 * Logs a recorded failure once: a job's death at `error`, an attempt that will be retried at `warn`,
 * each with the ids an operator searches by (job id, task, attempt) and the problem's code.
 */
function logFailure(env: AttemptEnvironment, active: ActiveJob, error: Error, problem: ProblemDetails, retryAt: number | null): void {
  const { job } = active;
  const fields: Record<string, unknown> = { jobId: job.jobId, task: job.task, attempt: job.attempt, maxAttempts: job.maxAttempts, code: problem.code, err: error };
  if (active.trace !== undefined) fields.traceId = active.trace.span.spanContext().traceId;
  if (retryAt === null) env.logger.error(fields, `job dead: task "${job.task}" failed on attempt ${job.attempt} of ${job.maxAttempts} and will not run again`);
  else env.logger.warn({ ...fields, retryAt: new Date(retryAt).toISOString() }, `job attempt failed: task "${job.task}" attempt ${job.attempt} of ${job.maxAttempts}; it will run again`);
}

async function recordFailure(env: AttemptEnvironment, active: ActiveJob, error: Error): Promise<void> {
  const { job, task } = active;
  const problem = jobErrorProblem(error, { debug: env.debug });
  const final = isUnrecoverableError(error) || isErrandError(error, 'ERRAND_JOB_PAYLOAD_INVALID') || job.attempt >= job.maxAttempts;
  const retryAt = final ? null : env.now() + computeBackoff(task.options.backoff, job.attempt, error);
  endAttemptSpan(active.trace, { outcome: 'failed', error, retryAt });
  if (await settleWithRetries(env, active, 'fail', () => env.backend.fail(active.lease, { error: problem, retryAt }))) logFailure(env, active, error, problem, retryAt);
  env.events.emit('job:failed', { job, error, problem, willRetry: retryAt !== null });
  if (retryAt === null) env.events.emit('job:dead', { job, error, problem });
  else env.events.emit('job:retrying', { job, error, retryAt });
}

/** Records how an attempt that did not return normally ended: cancelled, released, lease lost or failed. */
async function recordThrown(env: AttemptEnvironment, active: ActiveJob, thrown: unknown): Promise<void> {
  const { job } = active;
  // An abort decides the outcome whatever the handler threw (or returned) afterwards.
  const reason = active.reason;
  const code = reason !== undefined && isErrandError(reason) ? reason.code : undefined;
  if (code === 'ERRAND_JOB_CANCELLED') {
    endAttemptSpan(active.trace, { outcome: 'cancelled' });
    await settleWithRetries(env, active, 'cancelled', () => env.backend.cancelled(active.lease));
    env.events.emit('job:cancelled', { job });
  } else if (code === 'ERRAND_SHUTTING_DOWN') {
    endAttemptSpan(active.trace, { outcome: 'released' });
    await settleWithRetries(env, active, 'release', () => env.backend.release(active.lease));
  } else if (code === 'ERRAND_LEASE_LOST') {
    endAttemptSpan(active.trace, { outcome: 'lease-lost' });
    env.logger.warn({ jobId: job.jobId, attempt: job.attempt }, 'lease lost while running: the handler was aborted and its outcome discarded');
  } else {
    await recordFailure(env, active, code === 'ERRAND_JOB_TIMEOUT' && reason !== undefined ? reason : coerceError(thrown));
  }
}

/** The slow path: the attempt ends in anything but success. Never rejects; always calls `finished`. */
function settleThrown(env: AttemptEnvironment, active: ActiveJob, thrown: unknown): void {
  active.clearTimer();
  active.onAbort = undefined;
  env.handlerDone(active);
  recordThrown(env, active, thrown)
    .catch((error: unknown) => env.reportError(coerceError(error)))
    .finally(() => env.finished(active));
}

function succeed(env: AttemptEnvironment, active: ActiveJob, result: unknown): void {
  active.clearTimer();
  if (active.aborted) return settleThrown(env, active, active.reason);
  active.result = result;
  endAttemptSpan(active.trace, { outcome: 'succeeded' });
  env.completions.add(active);
  env.handlerDone(active);
}

/**
 * Settles an attempt aborted before its handler started (a claimed job waiting for a slot that was
 * cancelled, lost its lease, or is released by a stopping worker). Calls `handlerDone` and `finished`.
 */
export function settleAborted(env: AttemptEnvironment, active: ActiveJob): void {
  settleThrown(env, active, active.reason);
}

/**
 * The context handed to the handler: one object per attempt and no closure until `signal` or
 * `progress` is read, like the after-response runner's context. (Being getters, they are not
 * copied by an object spread of the context; destructuring works.)
 */
class AttemptContext implements TaskContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly #env: AttemptEnvironment;
  readonly #active: ActiveJob;

  constructor(env: AttemptEnvironment, active: ActiveJob) {
    this.jobId = active.job.jobId;
    this.attempt = active.job.attempt;
    this.#env = env;
    this.#active = active;
  }

  get signal(): AbortSignal {
    return this.#active.signal;
  }

  /** Made when read, so `const { progress } = context` works unbound and handlers that never report pay nothing. */
  get progress(): (value: unknown) => Promise<void> {
    const env = this.#env;
    const active = this.#active;
    return async (value) => void (await ignoreLostLease(env, active, 'progress', () => env.backend.progress(active.lease, value)));
  }
}

function invoke(env: AttemptEnvironment, active: ActiveJob, payload: unknown): void {
  const { task } = active;
  if (active.aborted) return settleThrown(env, active, active.reason);
  const timeout = task.options.timeout;
  if (timeout !== undefined) {
    active.timer = setTimeout(() => active.abort(new ErrandError('ERRAND_JOB_TIMEOUT', `task "${task.name}" ran past its ${timeout} ms timeout`)), timeout);
  }
  let returned: unknown;
  try {
    const context = new AttemptContext(env, active);
    returned = active.trace === undefined ? task.options.handler(payload as never, context) : runInAttemptSpan(active.trace, () => task.options.handler(payload as never, context));
  } catch (thrown) {
    return settleThrown(env, active, thrown);
  }
  if (!isThenable(returned)) return succeed(env, active, returned);
  // Stop waiting as soon as the attempt is aborted, whether or not the handler honours its signal.
  active.onAbort = (reason) => settleThrown(env, active, reason);
  returned.then(
    (value) => {
      if (active.onAbort === undefined) return; // already settled by an abort
      active.onAbort = undefined;
      succeed(env, active, value);
    },
    (thrown: unknown) => {
      if (active.onAbort === undefined) return;
      settleThrown(env, active, thrown);
    },
  );
}

/**
 * Runs one attempt of a claimed job and tells the backend how it ended: validates the payload
 * again, runs the handler under the job's signal and timeout, then completes (batched), fails
 * (with backoff), marks cancelled, releases (shutdown) or, if the lease was lost, records nothing.
 * `env.finished` is called once the outcome is recorded.
 *
 * A handler that returns synchronously (or a schema that validates synchronously) costs no promise:
 * a batch of no-op jobs runs within the turn that claimed it, and its completions go out as one.
 */
export function runAttempt(env: AttemptEnvironment, active: ActiveJob): void {
  const rateLimit = active.task.options.rateLimit;
  if (rateLimit === undefined) return startAttempt(env, active);
  // A rate-limited task asks the backend's shared counter first; a job over the limit goes back, delayed to the next window, its attempt not counted.
  active.onAbort = (reason) => settleThrown(env, active, reason);
  takeRateToken(env, active, rateLimit).then(
    (retryAt) => {
      if (active.onAbort === undefined) return;
      active.onAbort = undefined;
      if (retryAt === null) startAttempt(env, active);
      else settleRateLimited(env, active, retryAt);
    },
    (thrown: unknown) => {
      if (active.onAbort === undefined) return;
      settleThrown(env, active, thrown);
    },
  );
}

type TaskRateLimit = NonNullable<ActiveJob['task']['options']['rateLimit']>;

/** Counts this start against the task's (and key's) window: null when allowed, else when the window ends. */
async function takeRateToken(env: AttemptEnvironment, active: ActiveJob, rateLimit: TaskRateLimit): Promise<number | null> {
  const { backend } = env;
  if (backend.takeRateToken === undefined) throw new ErrandError('ERRAND_BACKEND_CONFIG', `task "${active.task.name}" has a rateLimit but backend ${backend.name} keeps no rate-limit counters`);
  const key = rateLimit.key === undefined ? '' : `:${String(rateLimit.key(active.job.payload as never))}`;
  return backend.takeRateToken(`${active.task.name}${key}`, rateLimit.limit, rateLimit.intervalMs, env.now());
}

/** A job over its rate limit: back to the queue until `retryAt`, its attempt not counted. */
function settleRateLimited(env: AttemptEnvironment, active: ActiveJob, retryAt: number): void {
  env.handlerDone(active);
  settleWithRetries(env, active, 'release', () => env.backend.release(active.lease, retryAt))
    .then((stored) => {
      if (stored) env.events.emit('job:rate-limited', { job: active.job, retryAt });
    })
    .catch((error: unknown) => env.reportError(coerceError(error)))
    .finally(() => env.finished(active));
}

function startAttempt(env: AttemptEnvironment, active: ActiveJob): void {
  const { job, task } = active;
  active.trace = startAttemptSpan(job, env.attemptSpanParent);
  if (env.events.has('job:started')) env.events.emit('job:started', { job });
  let parsed: unknown;
  try {
    parsed = parsePayload(task, job.payload);
  } catch (thrown) {
    return settleThrown(env, active, thrown);
  }
  if (!isThenable(parsed)) return invoke(env, active, parsed);
  active.onAbort = (reason) => settleThrown(env, active, reason);
  parsed.then(
    (payload) => {
      if (active.onAbort === undefined) return;
      active.onAbort = undefined;
      invoke(env, active, payload);
    },
    (thrown: unknown) => {
      if (active.onAbort === undefined) return;
      settleThrown(env, active, thrown);
    },
  );
}
