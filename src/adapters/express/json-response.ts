import type { Response } from 'express';
import { encodeJson } from '../../errors/jsonable.js';

/**
 * Sends `value` as JSON through errand's encoder (`jsonable`: Date, BigInt, Map, Set, URL, Buffer,
 * typed arrays, `toJSON`, errors, class instances), the one error bodies use, where `res.json()`
 * would throw on a BigInt and send a Map as `{}`. A value that cannot be encoded (a cycle) throws
 * `ErrandError('ERRAND_ENCODING_FAILED')` before anything is sent; errand answers it with a safe 500.
 *
 * @default status 200
 * @example
 * app.get('/now', (_req, res) => jsonResponse(res, { now: new Date(), big: 2n ** 70n }));
 */
export function jsonResponse(res: Response, value: unknown, status = 200, headers?: Record<string, string>): void {
  const body = encodeJson(value);
  if (headers !== undefined) res.set(headers);
  res.status(status).type('application/json').send(body);
}
