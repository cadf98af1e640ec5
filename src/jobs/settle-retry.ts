import { isErrandError, type ErrandError } from '../errors/errand-error.js';

/**
 * The pause before the next try of a write that records how an attempt ended (a completion, fail,
 * cancelled, release) after the backend refused it transiently: 50 ms doubling up to 1 s, each with
 * up to a fifth more at random.
 *
 * @example
 * settleRetryDelay(1) // 50..59
 * settleRetryDelay(6) // 1_000..1_199
 */
export function settleRetryDelay(tries: number): number {
  const base = Math.min(1_000, 50 * 2 ** (tries - 1));
  return base + Math.floor(Math.random() * base * 0.2);
}

/**
 * Whether a refused write that records an attempt's end may be tried again after `delay`: the
 * backend failed transiently (ERRAND_BACKEND_UNAVAILABLE: a dropped connection, a timed-out
 * statement, a busy database), the worker's stop deadline has not passed, and the next try comes
 * before `until`, the lease this worker held when the write was first refused.
 *
 * @example
 * if (!maySettleAgain(thrown, pastDeadline, Date.now() + delay, lease.leaseUntil)) throw thrown;
 */
export function maySettleAgain(thrown: unknown, pastDeadline: AbortSignal, nextTryAt: number, until: number): thrown is ErrandError {
  return isErrandError(thrown, 'ERRAND_BACKEND_UNAVAILABLE') && !pastDeadline.aborted && nextTryAt < until;
}
