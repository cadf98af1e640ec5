import type { ErrorCode } from './error-codes.js';
import { reasonPhrase } from './reason-phrases.js';

// The code errand itself answers with for each status it raises on its own; a status only the app
// raises (409, 418, …) gets no code in its example, since errand cannot know the app's.
const ownCodes: Readonly<Record<number, ErrorCode>> = {
  400: 'ERRAND_MALFORMED_JSON',
  404: 'ERRAND_NOT_FOUND',
  405: 'ERRAND_METHOD_NOT_ALLOWED',
  413: 'ERRAND_PAYLOAD_TOO_LARGE',
  415: 'ERRAND_UNSUPPORTED_MEDIA_TYPE',
  422: 'ERRAND_VALIDATION_FAILED',
  500: 'ERRAND_INTERNAL',
  503: 'ERRAND_BACKEND_UNAVAILABLE',
};

const fieldError = { pointer: '/email', loc: ['body', 'email'], message: 'Invalid email address', code: 'invalid_format' };

/**
 * An example body for an error response in errand's envelope, for OpenAPI's `example`: the status
 * and reason phrase it documents, errand's own code where errand raises that status itself, and one
 * field error on a 422. Without it, documentation tools make one up from the schema (Swagger UI
 * showed `"status": 400` under every error status).
 *
 * @example
 * problemExample(404) // { type: 'about:blank', title: 'Not Found', status: 404, code: 'ERRAND_NOT_FOUND', requestId: '…' }
 */
export function problemExample(status: number): Record<string, unknown> {
  const code = ownCodes[status];
  return {
    type: 'about:blank',
    title: reasonPhrase(status),
    status,
    ...(code === undefined ? {} : { code }),
    requestId: '3w2idsg7tyjzr-16',
    ...(status === 422 ? { errors: [fieldError] } : {}),
  };
}

/** The same for `format: 'fastapi'`: `{"detail": …}`, a list of field errors on a 422. */
export function fastApiExample(status: number): Record<string, unknown> {
  if (status !== 422) return { detail: reasonPhrase(status) };
  return { detail: [{ loc: fieldError.loc, msg: fieldError.message, type: fieldError.code }] };
}
