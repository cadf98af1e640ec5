import { ErrandError } from './errand-error.js';

/**
 * The error for a request no route answered: 405 `ERRAND_METHOD_NOT_ALLOWED` with `Allow` when the
 * path is routed for other methods only, otherwise 404 `ERRAND_NOT_FOUND`.
 *
 * @example
 * routeMissError('DELETE', '/items', ['GET', 'HEAD', 'POST']) // 405, Allow: GET, HEAD, POST
 */
export function routeMissError(method: string, path: string, allow: readonly string[]): ErrandError {
  if (allow.length > 0 && !allow.includes(method)) {
    const list = allow.join(', ');
    return new ErrandError('ERRAND_METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; allowed: ${list}`, { headers: { allow: list } });
  }
  return new ErrandError('ERRAND_NOT_FOUND', `no route matches ${method} ${path}`);
}
