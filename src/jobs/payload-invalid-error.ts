import { ErrandError } from '../errors/errand-error.js';
import type { FieldError } from '../errors/problem-details.js';

/**
 * `ErrandError('ERRAND_JOB_PAYLOAD_INVALID')` carrying one `FieldError` per failing field, so an
 * error handler can render it as a 422 problem with `errors[]`.
 *
 * @example
 * try { await queue.enqueue(sendEmail, body) } catch (error) { if (error instanceof PayloadInvalidError) console.log(error.errors) }
 */
export class PayloadInvalidError extends ErrandError {
  override name = 'PayloadInvalidError';
  declare readonly errors: FieldError[];

  constructor(task: string, errors: FieldError[]) {
    const first = errors[0];
    const summary = first === undefined ? 'it was rejected' : `${first.pointer || '(root)'}: ${first.message}`;
    super('ERRAND_JOB_PAYLOAD_INVALID', `the payload of task "${task}" is invalid (${summary}${errors.length > 1 ? ` and ${errors.length - 1} more` : ''})`, { errors });
  }
}
