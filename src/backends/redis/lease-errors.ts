import { ErrandError } from '../../errors/errand-error.js';
import { backendUnavailableError } from '../../jobs/backend-errors.js';

/**
 * BullMQ's negative script codes that mean "this token no longer owns the job": the job is gone (-1),
 * its lock lapsed (-2), it left the active state (-3) or another claim holds it (-6).
 */
const lostCodes = new Set([-1, -2, -3, -6]);

/** Whether a BullMQ script code means the token no longer holds the job. */
export function isLeaseLostCode(code: number): boolean {
  return lostCodes.has(code);
}

/** Whether `error` is BullMQ refusing a stale token. */
export function isLeaseLostError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'number' && lostCodes.has(code);
}

/** The error errand raises when a stale worker tries to change a job it no longer holds. */
export function leaseLost(jobId: string, cause?: unknown): ErrandError {
  return new ErrandError('ERRAND_LEASE_LOST', `The lease on job ${jobId} expired or was taken over by another worker; this result was not recorded.`, {
    cause,
  });
}

/**
 * Runs one BullMQ call that presents a lease: stale tokens become ERRAND_LEASE_LOST, anything else
 * ERRAND_BACKEND_UNAVAILABLE (one mapping so every operation says the same thing).
 */
export async function withLease<T>(jobId: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toBackendError(error, jobId);
  }
}

/** `work`, with a failure of Redis or BullMQ mapped onto errand's catalogue ({@link toBackendError}). */
export function mapBackendErrors<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw toBackendError(error);
  });
}

/** Maps a failure of Redis or BullMQ onto errand's catalogue. */
export function toBackendError(error: unknown, jobId?: string): ErrandError {
  if (error instanceof ErrandError) return error;
  if (jobId !== undefined && isLeaseLostError(error)) return leaseLost(jobId, error);
  const message = error instanceof Error ? error.message : String(error);
  return backendUnavailableError(`Redis backend failed: ${message}. Check that Redis is reachable and the URL is right.`, { cause: error });
}
