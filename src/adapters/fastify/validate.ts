import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkValue, expectsJsonBody, queryValues, singleValues, type ValidationTarget } from '../shared/request-validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What `validate(target, schema)` hooks produced: the schema's output per target. */
    valid?: Partial<Record<ValidationTarget, unknown>>;
  }
}

function rawValue(request: FastifyRequest, target: ValidationTarget): unknown {
  switch (target) {
    case 'json':
      // Fastify parsed it (errand's parser makes an empty body `undefined`); the media type is judged as on every host.
      return expectsJsonBody(request.headers) ? request.body : undefined;
    case 'query':
      return queryValues(request.url);
    case 'param':
      return { ...(request.params as Record<string, unknown>) };
    case 'header':
      return singleValues(request.headers);
  }
}

/**
 * Validates one part of a Fastify request with any Standard Schema (zod, valibot, arktype), as
 * `validate` does on Hono: the JSON body, the query, the path params or the headers. Use it as a
 * `preValidation` hook; the output is `request.valid[target]` (and `request.body` for `json`).
 * Failures go to errand's error handler: 422 listing every failing field, 400 for malformed JSON,
 * 415 for a body that is not JSON; a missing body is judged by the schema (422 when required).
 *
 * @example
 * app.post('/items', { preValidation: validate('json', z.object({ name: z.string() })) }, async (request) => request.body)
 */
export function validate<Schema extends StandardSchemaV1>(target: ValidationTarget, schema: Schema): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async function errandValidate(request: FastifyRequest): Promise<void> {
    const output = await checkValue(target, schema, rawValue(request, target));
    request.valid = { ...request.valid, [target]: output };
    if (target === 'json') request.body = output;
  };
}
