import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { validationError } from './validation-error.js';

async function issuesOf(schema: StandardSchemaV1, value: unknown): Promise<readonly StandardSchemaV1.Issue[]> {
  const result = await schema['~standard'].validate(value);
  return result.issues ?? [];
}

const input = { items: [{ price: -1 }], 'a/b': 'x' };

describe('validationError', () => {
  it.each([
    ['zod', z.object({ items: z.array(z.object({ price: z.number().min(0) })), 'a/b': z.number() })],
    ['valibot', v.object({ items: v.array(v.object({ price: v.pipe(v.number(), v.minValue(0)) })), 'a/b': v.number() })],
    ['arktype', type({ items: type({ price: 'number >= 0' }).array(), 'a/b': 'number' })],
  ])('turns %s issues into 422 field errors with JSON Pointer and FastAPI loc', async (_name, schema) => {
    const error = validationError(await issuesOf(schema, input), 'body');
    expect(error.code).toBe('ERRAND_VALIDATION_FAILED');
    expect(error.status).toBe(422);
    const byPointer = Object.fromEntries((error.errors ?? []).map((field) => [field.pointer, field]));
    expect(byPointer['/items/0/price']).toMatchObject({ loc: ['body', 'items', 0, 'price'] });
    expect(byPointer['/a~1b']).toMatchObject({ loc: ['body', 'a/b'] });
    for (const field of error.errors ?? []) {
      expect(field.message.length).toBeGreaterThan(0);
      expect(field.code.length).toBeGreaterThan(0);
    }
  });
});
