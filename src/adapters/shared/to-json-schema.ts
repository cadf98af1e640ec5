import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import { ErrandError } from '../../errors/errand-error.js';
import { embeddableSchema } from './embeddable-schema.js';

/*
 * Standard Schema → JSON Schema for the hosts' OpenAPI tooling, through the Standard JSON Schema
 * interface (`~standard.jsonSchema`) that the schema libraries implement themselves: no converter
 * to install, and synchronous, as @fastify/swagger's `transform` must be (a converter that loads the
 * schema library's own converter with `import()`, like @standard-community/standard-json, is not).
 */

function hasJsonSchema(schema: StandardSchemaV1): schema is StandardSchemaV1 & StandardJSONSchemaV1 {
  const converter = (schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  return typeof converter === 'object' && converter !== null && typeof converter.input === 'function';
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: unknown } | null | undefined)?.['~standard'];
  return (typeof value === 'object' || typeof value === 'function') && typeof props === 'object' && props !== null;
}

const supported = 'Use zod 4.2 or later or arktype 2.1.28 or later; wrap a valibot schema with `toStandardJsonSchema` from @valibot/to-json-schema.';

/**
 * `schema`'s input type as JSON Schema 2020-12, as its library gives it (`$schema` left out): named
 * and recursive parts in `$defs`, referred to from the schema's root. Throws
 * `ErrandError('ERRAND_SCHEMA_NOT_DOCUMENTABLE')` when it cannot.
 */
export function rawJsonSchema(schema: StandardSchemaV1): Record<string, unknown> {
  if (!isStandardSchema(schema)) {
    const what = schema === null ? 'null' : typeof schema;
    throw new ErrandError('ERRAND_SCHEMA_NOT_DOCUMENTABLE', `errand cannot document this ${what}: it is not a Standard Schema (no \`~standard\` member). Pass the schema \`validate\` checks (zod, arktype, valibot), not a JSON Schema or a plain object. ${supported}`);
  }
  const vendor = String(schema['~standard'].vendor);
  if (!hasJsonSchema(schema)) {
    throw new ErrandError('ERRAND_SCHEMA_NOT_DOCUMENTABLE', `errand cannot document a ${vendor} schema: it does not implement Standard JSON Schema (\`~standard.jsonSchema\`). ${supported}`);
  }
  try {
    const { $schema: _dialect, ...jsonSchema } = schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    return jsonSchema;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ErrandError(
      'ERRAND_SCHEMA_NOT_DOCUMENTABLE',
      `errand cannot document this ${vendor} schema: its library could not express it as JSON Schema (${reason}). Describe what a client sends with types JSON Schema has (a date as an ISO string, say, then transform it), or give the route's document this part by hand.`,
      { cause: error },
    );
  }
}

/**
 * The JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of what a client may send for
 * `schema`: its input type, as `validate(target, schema)` checks it. For an OpenAPI 3.1 document
 * (`$schema` is left out: the document's dialect already says it), wherever it is put: named
 * parts (zod's `.meta({ id })`) are inlined; a schema that refers to itself keeps its `$defs`
 * under an `$id` of its own, against which its references resolve. Works with every schema that
 * implements Standard JSON Schema: zod (4.2 and later), arktype (2.1.28 and later), valibot through
 * `toStandardJsonSchema(schema)` of `@valibot/to-json-schema`. Throws
 * `ErrandError('ERRAND_SCHEMA_NOT_DOCUMENTABLE')` (500), whose message says what to do, for a value
 * that is not a Standard Schema, a schema that does not implement Standard JSON Schema (naming its
 * library), and a schema its library cannot express as JSON Schema (its reason, as `cause`).
 *
 * @example
 * const Item = z.object({ name: z.string().min(1), qty: z.number().int().positive() });
 * toJsonSchema(Item); // { type: 'object', properties: { name: { type: 'string', minLength: 1 }, … }, required: ['name', 'qty'] }
 */
export function toJsonSchema(schema: StandardSchemaV1): Record<string, unknown> {
  return embeddableSchema(rawJsonSchema(schema));
}
