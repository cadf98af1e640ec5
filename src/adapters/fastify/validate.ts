import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkValue, expectsJsonBody, queryValues, singleValues, type ValidationTarget } from '../shared/request-validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What `validate(target, schema)` hooks produced: the schema's output per target. */
    valid?: Partial<Record<ValidationTarget, unknown>>;
  }
}

/** The target and schema of one `validate(target, schema)` hook. */
export interface Validation {
  target: ValidationTarget;
  schema: StandardSchemaV1;
}

// Read by jsonSchemaTransform: the route's own hooks say what it validates, so its OpenAPI schema cannot drift from them.
const validations = new WeakMap<object, Validation>();

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
 * `jsonSchemaTransform` documents the schema in `@fastify/swagger`'s document; Fastify's own
 * validator never sees it.
 *
 * @example
 * app.post('/items', { preValidation: validate('json', z.object({ name: z.string() })) }, async (request) => request.body)
 */
export function validate<Schema extends StandardSchemaV1>(target: ValidationTarget, schema: Schema): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const hook = async function errandValidate(request: FastifyRequest): Promise<void> {
    const output = await checkValue(target, schema, rawValue(request, target));
    request.valid = { ...request.valid, [target]: output };
    if (target === 'json') request.body = output;
  };
  validations.set(hook, { target, schema });
  return hook;
}

/** What a hook made by {@link validate} checks, or `undefined` for any other function. */
export function validationOf(hook: unknown): Validation | undefined {
  return typeof hook === 'function' ? validations.get(hook) : undefined;
}
