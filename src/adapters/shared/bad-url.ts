import { ErrandError } from '../../errors/errand-error.js';

/**
 * The 400 `ERRAND_BAD_URL` for a request path with a malformed percent-escape (`/items/%zz`, or
 * escapes that are not UTF-8), or `undefined` when the path decodes. Every adapter checks the path
 * before routing it, so a bad escape is the same 400 whatever route it would have reached.
 */
export function badUrlError(path: string): ErrandError | undefined {
  if (!path.includes('%')) return undefined;
  try {
    decodeURIComponent(path);
    return undefined;
  } catch (error) {
    return new ErrandError('ERRAND_BAD_URL', `the request path ${JSON.stringify(path.slice(0, 100))} has a malformed percent-escape`, { cause: error });
  }
}
