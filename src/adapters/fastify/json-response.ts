import type { FastifyReply } from 'fastify';
import { encodeJson } from '../../errors/jsonable.js';

/**
 * Sends `value` as JSON through errand's encoder (`jsonable`: Date, BigInt, Map, Set, URL, Buffer,
 * typed arrays, `toJSON`, errors, class instances), the one error bodies use, where Fastify's default
 * serializer throws on a BigInt and sends a Map as `{}`. A value that cannot be encoded (a cycle)
 * throws `ErrandError('ERRAND_ENCODING_FAILED')` before anything is sent; errand answers it with a
 * safe 500. Returns the reply, so a handler can `return jsonResponse(reply, value)`.
 *
 * @default status 200
 * @example
 * app.get('/now', (_request, reply) => jsonResponse(reply, { now: new Date(), big: 2n ** 70n }));
 */
export function jsonResponse(reply: FastifyReply, value: unknown, status = 200, headers?: Record<string, string>): FastifyReply {
  const body = encodeJson(value);
  if (headers !== undefined) reply.headers(headers);
  return reply.code(status).type('application/json').send(body);
}
