import type { IncomingMessage } from 'node:http';
import { newRequestId, saneRequestId } from '../hono/request-id.js';

// The id errand's genReqId gave each request, so that errand(app) answers with that id instead of
// drawing a second one (Fastify calls genReqId for every request, logger or not).
const issued = new WeakMap<IncomingMessage, string>();

/**
 * Fastify's `genReqId` option with errand's request ids: a sane incoming `X-Request-Id` (1..128 of
 * `A-Z a-z 0-9 . _ : -`) is kept, otherwise a new id unique across processes. With it, a Fastify
 * app logs each request under one id, the one errand answers with (`request.id` is
 * `request.requestId`), whether Fastify logs or not.
 *
 * @example
 * const app = Fastify({ logger: true, genReqId });
 * errand(app);
 */
export function genReqId(req: IncomingMessage): string {
  const id = saneRequestId(req.headers['x-request-id']) ?? newRequestId();
  issued.set(req, id);
  return id;
}

/** The id errand's {@link genReqId} gave this request, if Fastify was given it. Not part of the public API. */
export function idFromGenReqId(req: IncomingMessage): string | undefined {
  return issued.get(req);
}
