import { ErrandError } from '../errors/errand-error.js';

/**
 * The 503 errand raises before a handler runs: the in-flight task bound is reached
 * (`ERRAND_OVERLOADED`) or the runner is shutting down (`ERRAND_SHUTTING_DOWN`). Its `headers`
 * carry `Retry-After`, which the error handlers send.
 *
 * @example
 * if (error instanceof UnavailableError) console.log(error.retryAfterSeconds);
 */
export class UnavailableError extends ErrandError {
  override name = 'UnavailableError';
  /** Seconds the client should wait before retrying (also in the `Retry-After` header). */
  readonly retryAfterSeconds: number;

  constructor(code: 'ERRAND_OVERLOADED' | 'ERRAND_SHUTTING_DOWN', message: string, retryAfterSeconds: number) {
    super(code, message, { headers: { 'Retry-After': String(retryAfterSeconds) } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
