import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isErrandError } from '../errors/errand-error.js';
import { defineTask } from './define-task.js';
import { isThenable, parsePayload } from './parse-payload.js';
import type { PayloadInvalidError } from './payload-invalid-error.js';

const handler = (): undefined => undefined;

describe('parsePayload', () => {
  it('answers synchronously for a task without a schema, and for a schema that validates synchronously (object or function)', () => {
    const payload = { orderId: 'o-1' };
    expect(parsePayload(defineTask('raw', { handler }), payload)).toBe(payload);
    expect(parsePayload(defineTask('zod', { schema: z.object({ n: z.coerce.number() }), handler }), { n: '2' })).toEqual({ n: 2 });
    expect(parsePayload(defineTask('ark', { schema: type({ orderId: 'string' }), handler }), payload)).toEqual(payload);
  });

  it('throws PayloadInvalidError synchronously, with the issues located in the payload', () => {
    let thrown: unknown;
    try {
      parsePayload(defineTask('zod', { schema: z.object({ n: z.number() }), handler }), { n: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(isErrandError(thrown, 'ERRAND_JOB_PAYLOAD_INVALID')).toBe(true);
    expect((thrown as PayloadInvalidError).errors).toEqual([expect.objectContaining({ pointer: '/n', loc: ['payload', 'n'] })]);
  });

  it('answers a promise for a schema that validates asynchronously', async () => {
    const slow: StandardSchemaV1<number, number> = { '~standard': { version: 1, vendor: 'test', validate: async (value) => Promise.resolve({ value: Number(value) * 2 }) } };
    const parsed = parsePayload(defineTask('slow', { schema: slow, handler }), 4);
    expect(isThenable(parsed)).toBe(true);
    await expect(parsed).resolves.toBe(8);
  });

  it("trusts the task's own parse when its schema is not a Standard Schema (a task made by something else)", async () => {
    const task = { name: 'custom', options: { schema: { check: 'my own format' } }, parse: (payload: unknown) => Promise.resolve({ parsed: payload }) };
    await expect(parsePayload(task, 1)).resolves.toEqual({ parsed: 1 });
    const withoutValidate = { ...task, options: { schema: { '~standard': { version: 1 } } } };
    await expect(parsePayload(withoutValidate, 2)).resolves.toEqual({ parsed: 2 });
    await expect(parsePayload({ ...task, options: { schema: null } }, 3)).resolves.toEqual({ parsed: 3 });
  });
});

describe('isThenable', () => {
  it('recognises promises and any object or function with a then method', () => {
    const thenableFunction = Object.assign(() => undefined, { then: () => undefined });
    expect([Promise.resolve(1), { then: () => undefined }, thenableFunction].map(isThenable)).toEqual([true, true, true]);
    expect([null, undefined, 1, 'then', { then: 1 }, () => undefined].map(isThenable)).toEqual([false, false, false, false, false, false]);
  });
});
