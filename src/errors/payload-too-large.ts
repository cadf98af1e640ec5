import { ErrandError } from './errand-error.js';

/**
 * The 413 `ERRAND_PAYLOAD_TOO_LARGE` of a request body over `limitBytes`, with the one message every
 * adapter sends for it (`limitBytes` unknown: the message names no figure).
 *
 * @example
 * throw payloadTooLarge(1_048_576) // "the request body is larger than the 1048576-byte limit"
 */
export function payloadTooLarge(limitBytes: number | undefined, cause?: unknown): ErrandError {
  const message = limitBytes === undefined ? 'the request body is larger than the limit' : `the request body is larger than the ${limitBytes}-byte limit`;
  return new ErrandError('ERRAND_PAYLOAD_TOO_LARGE', message, cause === undefined ? {} : { cause });
}
