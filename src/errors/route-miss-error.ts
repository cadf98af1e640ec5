import { HTTPException, isHTTPException } from './http-exception.js';

// The options of every 404 miss's exception: one object, not one per miss (the exception keeps only its fields).
const notFound = { code: 'ERRAND_NOT_FOUND' } as const;

/** What a route miss says, without its exception: see {@link routeMiss}. */
export interface RouteMiss {
  readonly status: 404 | 405;
  readonly detail: string;
  readonly code: 'ERRAND_NOT_FOUND' | 'ERRAND_METHOD_NOT_ALLOWED';
  /** `Allow` on a 405. */
  readonly headers: Record<string, string> | undefined;
}

/**
 * What a request no route answered gets: 405 `ERRAND_METHOD_NOT_ALLOWED` with `Allow` when the
 * path is routed for other methods only, otherwise 404 `ERRAND_NOT_FOUND`; `allow` lists the
 * methods the path is routed for. {@link routeMissError} makes it an exception.
 *
 * @example
 * routeMiss('DELETE', '/items', ['GET', 'HEAD', 'POST']) // 405, headers { allow: 'GET, HEAD, POST' }
 */
export function routeMiss(method: string, path: string, allow: readonly string[]): RouteMiss {
  // `concat`, not template literals: by now `path` has been a property key (Hono's router looks
  // it up), so V8 has made it a ThinString, and optimized code joins a ThinString into a two-byte
  // string, which made the whole problem body two-byte and dear to send (commit message).
  if (allow.length > 0 && !allow.includes(method)) {
    const list = allow.join(', ');
    return { status: 405, detail: method.concat(' is not allowed on ', path, '; allowed: ', list), code: 'ERRAND_METHOD_NOT_ALLOWED', headers: { allow: list } };
  }
  return { status: 404, detail: 'no route matches '.concat(method, ' ', path), code: 'ERRAND_NOT_FOUND', headers: undefined };
}

/**
 * The error for a request no route answered ({@link routeMiss}, given as it is or as the method,
 * path and routed methods).
 *
 * It is an `HTTPException`, as a route miss is in Starlette: a handler registered for
 * `HTTPException` (FastAPI's `StarletteHTTPException`) sees it, a handler for the generic `Error`
 * class (FastAPI's `Exception`) does not. Its detail names the method and path; the `fastapi`
 * format sends Starlette's `Not Found` / `Method Not Allowed` instead (see {@link isRouteMiss}).
 *
 * @example
 * routeMissError('DELETE', '/items', ['GET', 'HEAD', 'POST']) // 405, Allow: GET, HEAD, POST
 */
export function routeMissError(method: string, path: string, allow: readonly string[]): HTTPException;
export function routeMissError(miss: RouteMiss): HTTPException;
export function routeMissError(missOrMethod: RouteMiss | string, path = '', allow: readonly string[] = []): HTTPException {
  const miss = typeof missOrMethod === 'string' ? routeMiss(missOrMethod, path, allow) : missOrMethod;
  return new HTTPException(miss.status, miss.detail, miss.code === notFound.code ? notFound : { code: miss.code, headers: miss.headers });
}

/** Whether `error` is a route miss made by {@link routeMissError} (from any copy of the package). */
export function isRouteMiss(error: unknown): error is HTTPException {
  return isHTTPException(error) && (error.code === 'ERRAND_NOT_FOUND' || error.code === 'ERRAND_METHOD_NOT_ALLOWED');
}
