import { HTTPException, isHTTPException } from './http-exception.js';

/**
 * The error for a request no route answered: 405 `ERRAND_METHOD_NOT_ALLOWED` with `Allow` when the
 * path is routed for other methods only, otherwise 404 `ERRAND_NOT_FOUND`.
 *
 * It is an `HTTPException`, as a route miss is in Starlette: a handler registered for
 * `HTTPException` (FastAPI's `StarletteHTTPException`) sees it, a handler for the generic `Error`
 * class (FastAPI's `Exception`) does not. Its detail names the method and path; the `fastapi`
 * format sends Starlette's `Not Found` / `Method Not Allowed` instead (see {@link isRouteMiss}).
 *
 * @example
 * routeMissError('DELETE', '/items', ['GET', 'HEAD', 'POST']) // 405, Allow: GET, HEAD, POST
 */
export function routeMissError(method: string, path: string, allow: readonly string[]): HTTPException {
  if (allow.length > 0 && !allow.includes(method)) {
    const list = allow.join(', ');
    return new HTTPException(405, `${method} is not allowed on ${path}; allowed: ${list}`, { code: 'ERRAND_METHOD_NOT_ALLOWED', headers: { allow: list } });
  }
  return new HTTPException(404, `no route matches ${method} ${path}`, { code: 'ERRAND_NOT_FOUND' });
}

/** Whether `error` is a route miss made by {@link routeMissError} (from any copy of the package). */
export function isRouteMiss(error: unknown): error is HTTPException {
  return isHTTPException(error) && (error.code === 'ERRAND_NOT_FOUND' || error.code === 'ERRAND_METHOD_NOT_ALLOWED');
}
