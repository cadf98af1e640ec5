import { suspendStackFor } from './error-mode.js';
import { errorCodes, type ErrorCode, type ErrorCodeInfo } from './error-codes.js';
import type { FieldError } from './problem-details.js';

/** Options of {@link ErrandError}. */
export interface ErrandErrorOptions {
  /** The error that led to this one. */
  cause?: unknown;
  /** Overrides the catalogue's HTTP status. */
  status?: number;
  /** Validation failures, one per field (sent as `errors[]`). @default undefined */
  errors?: FieldError[];
  /** Headers sent with the response (`Allow`, `Retry-After`…). @default undefined */
  headers?: Record<string, string>;
}

/**
 * An error raised by errand itself. It always carries a stable `code` from the catalogue in
 * `error-codes.ts` and the HTTP status that code maps to. Client errors (status < 500) and expected
 * refusals (503 ERRAND_OVERLOADED, ERRAND_SHUTTING_DOWN) skip stack capture in production, like
 * `HTTPException`.
 *
 * @example
 * throw new ErrandError('ERRAND_JOB_NOT_FOUND', `no job has id ${id}`)
 */
export class ErrandError extends Error {
  // `declare`d and assigned in the constructor, `name` on the prototype: class fields are defined
  // one by one before the body runs, a cost every 404 paid.
  declare readonly code: ErrorCode;
  declare readonly status: number;
  declare readonly errors: FieldError[] | undefined;
  declare readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrandErrorOptions = {}) {
    // One catalogue read for both: every 404 builds one of these.
    const info: ErrorCodeInfo = errorCodes[code];
    const status = options.status ?? info.status;
    const limit = suspendStackFor(status, info.expected === true);
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (limit !== undefined) Error.stackTraceLimit = limit;
    this.code = code;
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

Object.defineProperty(ErrandError.prototype, 'name', { value: 'ErrandError', writable: true, enumerable: false, configurable: true });

/** Whether `value` is an {@link ErrandError}, optionally with the given code. */
export function isErrandError(value: unknown, code?: ErrorCode): value is ErrandError {
  if (!(value instanceof Error)) return false;
  const candidate = value as Partial<ErrandError>;
  return typeof candidate.code === 'string' && candidate.code.startsWith('ERRAND_') && (code === undefined || candidate.code === code);
}
