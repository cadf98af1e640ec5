import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { encodeJson } from '../../errors/jsonable.js';

/**
 * Sends `value` as JSON through errand's encoder (`jsonable`: Date, BigInt, Map, Set, URL, Buffer,
 * typed arrays, `toJSON`, errors, class instances), the same encoder error bodies use. A value that
 * cannot be encoded (a cycle) throws `ErrandError('ERRAND_ENCODING_FAILED')`, which becomes a safe
 * 500 problem.
 *
 * @default status 200
 * @example
 * app.get('/now', (c) => jsonResponse(c, { now: new Date(), big: 2n ** 70n }))
 */
export function jsonResponse(c: Context, value: unknown, status: ContentfulStatusCode = 200, headers?: Record<string, string>): Response {
  // Object.assign, not a spread followed by a key: V8's slow path on Node 20 (see render-problem.ts).
  const all: Record<string, string> = Object.assign({}, headers);
  all['content-type'] = 'application/json';
  return c.body(encodeJson(value), status, all);
}
