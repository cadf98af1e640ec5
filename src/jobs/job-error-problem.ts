import { isErrandError } from '../errors/errand-error.js';
import type { ProblemDetails } from '../errors/problem-details.js';
import { isUnrecoverableError } from './unrecoverable-error.js';

/** Options of {@link jobErrorProblem}. */
export interface JobErrorProblemOptions {
  /** Adds `stack` (and `cause`) as extensions. @default false */
  debug?: boolean;
}

function statusOf(error: Error): number {
  if (isErrandError(error)) return error.status;
  const candidate = error as { status?: unknown; statusCode?: unknown };
  const status = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

function codeOf(error: Error): string | undefined {
  if (isUnrecoverableError(error)) return 'ERRAND_UNRECOVERABLE';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function causeOf(cause: unknown): unknown {
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  try {
    return JSON.parse(JSON.stringify(cause)) as unknown;
  } catch {
    return String(cause);
  }
}

/**
 * The problem object stored as a job's `error`. Unlike an HTTP response it keeps the message of a
 * 5xx: a job's error is read by operators (dashboard, CLI, status route), not by anonymous
 * clients, and "what went wrong" is the point of it. Stacks stay out unless `debug`.
 *
 * @example
 * jobErrorProblem(new UnrecoverableError('gone'))
 * // { type: 'about:blank', title: 'UnrecoverableError', status: 500, detail: 'gone', code: 'ERRAND_UNRECOVERABLE' }
 */
export function jobErrorProblem(error: Error, options: JobErrorProblemOptions = {}): ProblemDetails {
  const problem: ProblemDetails = { type: 'about:blank', title: error.name || 'Error', status: statusOf(error) };
  if (error.message) problem.detail = error.message;
  const code = codeOf(error);
  if (code !== undefined) problem.code = code;
  if (isErrandError(error) && error.errors !== undefined) problem.errors = error.errors;
  if (options.debug === true) {
    if (error.stack !== undefined) problem.stack = error.stack;
    if (error.cause !== undefined) problem.cause = causeOf(error.cause);
  }
  return problem;
}
