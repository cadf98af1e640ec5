import { ErrandError } from './errand-error.js';

// What Node, undici and web streams raise when the peer of a socket went away.
const disconnectCodes = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'UND_ERR_SOCKET']);

function looksLikeDisconnect(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && disconnectCodes.has(code)) || error.message === 'aborted' || error.name === 'AbortError';
}

/**
 * `error` as `ERRAND_CLIENT_DISCONNECTED` (499) when the client went away: the error (or its
 * cause) is one a closed socket raises and the request's signal is aborted. Nobody reads the
 * answer; it is not a server error, so it must not be logged at `error` nor counted as a 5xx
 * (anyone could trip 5xx alerts by hanging up). The same code from a server-side connection (a
 * database that reset) stays a 500: the request's signal is not aborted then.
 *
 * @example
 * clientDisconnect(new Error('aborted'), { request }) // ErrandError ERRAND_CLIENT_DISCONNECTED once request.signal aborted
 */
export function clientDisconnect(error: Error, input: { readonly request: Request }): Error {
  if (!looksLikeDisconnect(error) && !looksLikeDisconnect(error.cause)) return error;
  try {
    // Read only now: an adapter may build the request on demand.
    if (!input.request.signal.aborted) return error;
  } catch {
    return error;
  }
  return new ErrandError('ERRAND_CLIENT_DISCONNECTED', 'the client closed the connection before the request was complete', { cause: error });
}
