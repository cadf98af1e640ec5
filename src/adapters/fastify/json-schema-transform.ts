import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FastifySchema } from 'fastify';
import { hoistedSchema } from '../shared/embeddable-schema.js';
import type { ValidationTarget } from '../shared/request-validation.js';
import { rawJsonSchema, toJsonSchema } from '../shared/to-json-schema.js';
import { validationOf } from './validate.js';

/** The part of a Fastify route schema that documents each `validate` target. */
const schemaParts: Readonly<Record<ValidationTarget, 'body' | 'querystring' | 'params' | 'headers'>> = { json: 'body', query: 'querystring', param: 'params', header: 'headers' };

/** What `@fastify/swagger` gives its `transform` for each route (the parts errand reads). */
export interface JsonSchemaTransformInput {
  /** The route's own `schema` option, if it has one. */
  schema?: FastifySchema;
  url: string;
  /** The route's options, with the hooks `validate(target, schema)` made. */
  route: { preValidation?: unknown; preHandler?: unknown };
  /** The document being built: named parts and schemas that refer to themselves go to its `components.schemas`. */
  openapiObject?: { components?: { schemas?: Record<string, unknown> } };
}

// Per document being built: a schema used by several routes is converted and added once.
const documented = new WeakMap<object, Map<StandardSchemaV1, Record<string, unknown>>>();

function documentedSchema(schema: StandardSchemaV1, document: JsonSchemaTransformInput['openapiObject']): Record<string, unknown> {
  if (document === undefined) return toJsonSchema(schema);
  let converted = documented.get(document);
  if (converted === undefined) documented.set(document, (converted = new Map<StandardSchemaV1, Record<string, unknown>>()));
  let jsonSchema = converted.get(schema);
  if (jsonSchema === undefined) {
    // Named and recursive parts become the document's components, as generators name models; @fastify/swagger
    // would drop the `$id` toJsonSchema gives a recursive schema.
    const schemas = ((document.components ??= {}).schemas ??= {});
    converted.set(schema, (jsonSchema = hoistedSchema(rawJsonSchema(schema), schemas)));
  }
  return jsonSchema;
}

function hooksOf(option: unknown): unknown[] {
  if (option === undefined) return [];
  return Array.isArray(option) ? (option as unknown[]) : [option];
}

/**
 * `@fastify/swagger`'s `transform` for routes checked by errand's `validate(target, schema)` hooks
 * (in `preValidation` or `preHandler`): the route's OpenAPI document gets each hook's schema, as JSON
 * Schema, as its `body`, `querystring`, `params` or `headers`. The route itself has no `schema`, so
 * Fastify's own validator never runs and never answers first: bad input still gets errand's 422
 * listing every field, 400 `ERRAND_MALFORMED_JSON`, 415. A part the route's own `schema` already
 * has is kept. Named parts (zod's `.meta({ id })`) and schemas that refer to themselves become
 * entries of the document's `components.schemas`. Register `@fastify/swagger` with `openapi: { openapi: '3.1.0' }` (the schemas are
 * JSON Schema 2020-12) before the routes; the schemas must implement Standard JSON Schema (see
 * `toJsonSchema`). To combine with a transform of your own, call this one inside it.
 *
 * @example
 * await app.register(fastifySwagger, { openapi: { openapi: '3.1.0', info: { title: 'Shop', version: '1.0.0' } }, transform: jsonSchemaTransform });
 * app.post('/items', { preValidation: validate('json', Item) }, async (request) => request.body);
 * await app.ready();
 * const document = withErrorResponses(app.swagger());
 */
export function jsonSchemaTransform({ schema, url, route, openapiObject }: JsonSchemaTransformInput): { schema: FastifySchema; url: string } {
  const parts: Record<string, unknown> = { ...schema };
  for (const hook of [...hooksOf(route.preValidation), ...hooksOf(route.preHandler)]) {
    const validation = validationOf(hook);
    if (validation === undefined) continue;
    const part = schemaParts[validation.target];
    parts[part] ??= documentedSchema(validation.schema, openapiObject);
  }
  return { schema: parts, url };
}
