import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Context, Env, MiddlewareHandler } from 'hono';
import { ErrandError } from '../../errors/errand-error.js';
import { validationError, type ValidationLocation } from '../../errors/validation-error.js';
import { requestHeader } from './node-headers.js';

/** What `validate` can check; the names are Hono's, so `c.req.valid(target)` returns the value. */
export type ValidationTarget = 'json' | 'query' | 'param' | 'header';

const locations: Record<ValidationTarget, ValidationLocation> = { json: 'body', query: 'query', param: 'path', header: 'header' };
const jsonType = /^application\/(?:[\w.+-]+\+)?json$/i;

async function readJson(c: Context): Promise<unknown> {
  const contentType = requestHeader(c, 'content-type');
  // `Content-Length: 0` is no body: fetch, node:http and httpx send it on every bodiless POST, and
  // FastAPI, Fastify and Express answer such a request from the schema (422), not with a 415.
  const length = requestHeader(c, 'content-length');
  const hasBody = (length !== undefined && Number(length) !== 0) || requestHeader(c, 'transfer-encoding') !== undefined;
  if (contentType === undefined && !hasBody) return undefined;
  const mediaType = (contentType ?? '').split(';', 1)[0].trim();
  if (!jsonType.test(mediaType)) {
    throw new ErrandError('ERRAND_UNSUPPORTED_MEDIA_TYPE', `expected a JSON body (Content-Type: application/json), got ${mediaType === '' ? 'no Content-Type' : JSON.stringify(mediaType.slice(0, 100))}`);
  }
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ErrandError('ERRAND_MALFORMED_JSON', `the request body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`, { cause: error });
  }
}

function rawValue(c: Context, target: ValidationTarget): unknown {
  switch (target) {
    case 'json':
      return readJson(c);
    case 'query':
      return Object.fromEntries(Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0] : values]));
    case 'param':
      return c.req.param();
    case 'header':
      return c.req.header();
  }
}

/**
 * Validates one part of the request with any Standard Schema (zod, valibot, arktype): the JSON
 * body, the query, the path params or the headers. The parsed value is `c.req.valid(target)`.
 * Failures throw, so the one error pipeline formats them: 422 with `errors[]` (JSON Pointer, FastAPI
 * `loc`, message, code), 400 for malformed JSON, 415 for a body that is not JSON.
 *
 * @example
 * app.post('/items', validate('json', z.object({ name: z.string() })), (c) => c.json(c.req.valid('json')))
 */
export function validate<Target extends ValidationTarget, Schema extends StandardSchemaV1, E extends Env = Env, P extends string = string>(
  target: Target,
  schema: Schema,
): MiddlewareHandler<E, P, { in: { [K in Target]: StandardSchemaV1.InferInput<Schema> }; out: { [K in Target]: StandardSchemaV1.InferOutput<Schema> } }> {
  return async function errandValidate(c, next) {
    const value: unknown = await rawValue(c, target);
    const result = await schema['~standard'].validate(value);
    if (result.issues !== undefined) throw validationError(result.issues, locations[target]);
    c.req.addValidatedData(target, result.value as never);
    await next();
  };
}
