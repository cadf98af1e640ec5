import { ErrandError } from '../errors/errand-error.js';
import type { ProblemDetails } from '../errors/problem-details.js';
import type { RetentionOptions } from './backend.js';

/**
 * The error every backend raises for a stale lease, so all of them say the same thing.
 *
 * @example
 * if (row.token !== lease.token) throw leaseLostError(lease.jobId)
 */
export function leaseLostError(jobId: string): ErrandError {
  return new ErrandError('ERRAND_LEASE_LOST', `the lease on job "${jobId}" is no longer held (it expired and the job was claimed again, finished, or was removed); this completion was rejected`);
}

/**
 * The problem every backend records when it takes back a job whose lease lapsed.
 *
 * @example
 * job.error = leaseExpiredProblem(job.attempts)
 */
export function leaseExpiredProblem(attempt: number): ProblemDetails {
  return {
    type: 'about:blank',
    title: 'Lease expired',
    status: 500,
    detail: `attempt ${attempt} stopped renewing its lease (the worker died or stalled); the attempt counts as failed`,
    code: 'ERRAND_LEASE_EXPIRED',
  };
}

/**
 * Seconds a client is told to wait (`Retry-After`) when the job backend cannot be reached: long
 * enough for a restarting Redis or a released SQLite lock, short enough not to strand a client.
 */
export const backendRetryAfterSeconds = 5;

/**
 * The error every backend raises when its store cannot be reached or does not answer in time
 * (`ERRAND_BACKEND_UNAVAILABLE`, HTTP 503 with `Retry-After`), so the HTTP edge answers the same
 * on every backend. Keep the store's own error as `cause`.
 *
 * @example
 * throw backendUnavailableError('Redis did not answer within 5000 ms', { cause: error })
 */
export function backendUnavailableError(message: string, options: { cause?: unknown } = {}): ErrandError {
  return new ErrandError('ERRAND_BACKEND_UNAVAILABLE', message, { cause: options.cause, headers: { 'Retry-After': String(backendRetryAfterSeconds) } });
}

/** Retention applied by backends when none is configured. */
export const defaultRetention: Required<RetentionOptions> = {
  succeededMs: 86_400_000,
  deadMs: 604_800_000,
  cancelledMs: 86_400_000,
};
