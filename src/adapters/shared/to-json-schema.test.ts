import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isErrandError } from '../../errors/errand-error.js';
import { toJsonSchema } from './to-json-schema.js';

const expected = { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] };

describe('toJsonSchema', () => {
  it('converts zod, arktype and valibot (wrapped by toStandardJsonSchema) to JSON Schema 2020-12 without $schema', () => {
    expect(toJsonSchema(z.object({ name: z.string().min(1) }))).toEqual(expected);
    expect(toJsonSchema(type({ name: 'string > 0' }))).toEqual(expected);
    expect(toJsonSchema(toStandardJsonSchema(v.object({ name: v.pipe(v.string(), v.minLength(1)) })))).toEqual(expected);
  });

  it('documents what a client sends: the input type, not the output of a transform', () => {
    const schema = z.object({ qty: z.string().transform(Number), tags: z.array(z.string()).default([]) });
    expect(toJsonSchema(schema)).toEqual({
      type: 'object',
      properties: { qty: { type: 'string' }, tags: { type: 'array', items: { type: 'string' }, default: [] } },
      required: ['qty'],
    });
  });

  it('throws ERRAND_SCHEMA_NOT_DOCUMENTABLE naming the library and the fix for a schema without Standard JSON Schema', () => {
    const thrown = caught(() => toJsonSchema(v.object({ name: v.string() })));
    expect(isErrandError(thrown, 'ERRAND_SCHEMA_NOT_DOCUMENTABLE')).toBe(true);
    expect(thrown).toMatchObject({ status: 500 });
    expect((thrown as Error).message).toBe(
      'errand cannot document a valibot schema: it does not implement Standard JSON Schema (`~standard.jsonSchema`). ' +
        'Use zod 4.2 or later or arktype 2.1.28 or later; wrap a valibot schema with `toStandardJsonSchema` from @valibot/to-json-schema.',
    );
  });

  it('throws ERRAND_SCHEMA_NOT_DOCUMENTABLE for a value that is not a Standard Schema', () => {
    for (const value of [{ type: 'object', properties: {} }, null, undefined, 'string']) {
      const thrown = caught(() => toJsonSchema(value as unknown as StandardSchemaV1));
      expect(isErrandError(thrown, 'ERRAND_SCHEMA_NOT_DOCUMENTABLE'), JSON.stringify(value)).toBe(true);
      expect((thrown as Error).message).toMatch(/it is not a Standard Schema .*Pass the schema `validate` checks/);
    }
  });

  it("throws ERRAND_SCHEMA_NOT_DOCUMENTABLE with the library's reason as cause for a schema JSON Schema cannot express", () => {
    const thrown = caught(() => toJsonSchema(z.object({ at: z.date() })));
    expect(isErrandError(thrown, 'ERRAND_SCHEMA_NOT_DOCUMENTABLE')).toBe(true);
    expect((thrown as Error).message).toMatch(/^errand cannot document this zod schema: its library could not express it as JSON Schema \(.+\)\. Describe what a client sends/);
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });
});

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
