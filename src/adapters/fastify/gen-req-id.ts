import type { IncomingMessage } from 'node:http';
import { newRequestId, saneRequestId } from '../hono/request-id.js';

/**
 * Fastify's `genReqId` option with errand's request ids: a sane incoming `X-Request-Id` (1..128 of
 * `A-Z a-z 0-9 . _ : -`) is kept, otherwise a new id unique across processes. With it, a Fastify
 * app that logs (`logger: true`) logs each request under one id, the one errand answers with.
 *
 * @example
 * const app = Fastify({ logger: true, genReqId });
 * errand(app);
 */
export function genReqId(req: IncomingMessage): string {
  return saneRequestId(req.headers['x-request-id']) ?? newRequestId();
}
