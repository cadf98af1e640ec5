import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { isErrandError } from '../errors/errand-error.js';
import { defineTask } from './define-task.js';
import { PayloadInvalidError } from './payload-invalid-error.js';
import { isTaskDefinition } from './task-definition.js';

describe('defineTask', () => {
  it('makes a branded, frozen task definition', () => {
    const task = defineTask('noop', { handler: () => 1 });
    expect(isTaskDefinition(task)).toBe(true);
    expect(task.name).toBe('noop');
    expect(Object.isFrozen(task)).toBe(true);
    expect(Object.isFrozen(task.options)).toBe(true);
  });

  it('returns the validated (transformed) payload', async () => {
    const task = defineTask('mail', { schema: z.object({ email: z.email(), n: z.coerce.number() }), handler: () => undefined });
    await expect(task.parse({ email: 'a@b.co', n: '3' })).resolves.toEqual({ email: 'a@b.co', n: 3 });
  });

  it('rejects an invalid payload with ERRAND_JOB_PAYLOAD_INVALID and one JSON Pointer per field', async () => {
    const task = defineTask('mail', { schema: z.object({ to: z.object({ email: z.email() }), tags: z.array(z.string()) }), handler: () => undefined });
    const error = await task.parse({ to: { email: 'nope' }, tags: ['ok', 3] }).catch((thrown: unknown) => thrown);
    expect(isErrandError(error, 'ERRAND_JOB_PAYLOAD_INVALID')).toBe(true);
    expect(error).toBeInstanceOf(PayloadInvalidError);
    const errors = (error as PayloadInvalidError).errors;
    expect(errors.map((e) => e.pointer)).toEqual(['/to/email', '/tags/1']);
    expect(errors[0]).toMatchObject({ loc: ['payload', 'to', 'email'], code: 'invalid_format' });
    expect((error as Error).message).toMatch(/task "mail".*\/to\/email/);
  });

  it('works with any Standard Schema validator (valibot)', async () => {
    const task = defineTask('v', { schema: v.object({ 'a/b': v.number() }), handler: () => undefined });
    const error = (await task.parse({ 'a/b': 'x' }).catch((thrown: unknown) => thrown)) as PayloadInvalidError;
    expect(error.errors[0]).toMatchObject({ pointer: '/a~1b', code: 'number' });
  });

  it('passes the payload through when there is no schema', async () => {
    const task = defineTask('raw', { handler: () => undefined });
    const payload = { any: 'thing' };
    await expect(task.parse(payload)).resolves.toBe(payload);
  });

  it('refuses nonsense options at definition time', () => {
    expect(() => defineTask('', { handler: () => 1 })).toThrow(TypeError);
    expect(() => defineTask('t', { handler: () => 1, retries: -1 })).toThrow(RangeError);
    expect(() => defineTask('t', { handler: () => 1, timeout: 0 })).toThrow(RangeError);
    expect(() => defineTask('t', { handler: () => 1, concurrency: 0 })).toThrow(RangeError);
  });
});

describe('defineTask option checks', () => {
  const handler = (): number => 1;

  it('says which option is wrong, with the value it got', () => {
    const bad = (options: object, name = 't'): unknown => () => defineTask(name, { handler, ...options });
    expect(bad({}, '')).toThrow(new TypeError('defineTask: the task name must be a non-empty string'));
    expect(bad({}, 42 as never)).toThrow(new TypeError('defineTask: the task name must be a non-empty string'));
    expect(bad({ handler: 'run' })).toThrow(new TypeError('defineTask("t"): handler must be a function'));
    expect(bad({ retries: -1 })).toThrow(new RangeError('defineTask("t"): retries must be an integer >= 0, got -1'));
    expect(bad({ retries: 1.5 })).toThrow(new RangeError('defineTask("t"): retries must be an integer >= 0, got 1.5'));
    expect(bad({ timeout: 0 })).toThrow(new RangeError('defineTask("t"): timeout must be > 0 ms, got 0'));
    expect(bad({ timeout: Number.NaN })).toThrow(new RangeError('defineTask("t"): timeout must be > 0 ms, got NaN'));
    expect(bad({ concurrency: 0.5 })).toThrow(new RangeError('defineTask("t"): concurrency must be >= 1, got 0.5'));
    expect(bad({ rateLimit: { limit: 0, intervalMs: 1_000 } })).toThrow(new RangeError('defineTask("t"): rateLimit.limit must be a whole number >= 1, got 0'));
    expect(bad({ rateLimit: { limit: 1.5, intervalMs: 1_000 } })).toThrow(/rateLimit.limit must be a whole number >= 1, got 1.5/);
    expect(bad({ rateLimit: { limit: 1, intervalMs: 0 } })).toThrow(new RangeError('defineTask("t"): rateLimit.intervalMs must be a whole number of ms >= 1, got 0'));
    expect(bad({ rateLimit: { limit: 1, intervalMs: 2.5 } })).toThrow(/rateLimit.intervalMs must be a whole number of ms >= 1, got 2.5/);
    expect(bad({ rateLimit: { limit: 1, intervalMs: 1, key: 'tenant' } })).toThrow(new TypeError('defineTask("t"): rateLimit.key must be a function of the payload'));
    expect(bad({ group: { key: 'tenant' } })).toThrow(new TypeError('defineTask("t"): group.key must be a function of the payload'));
    expect(bad({ group: { key: () => 'k', concurrency: 0 } })).toThrow(new RangeError('defineTask("t"): group.concurrency must be a whole number >= 1, got 0'));
    expect(bad({ group: { key: () => 'k', concurrency: 1.5 } })).toThrow(/group.concurrency must be a whole number >= 1, got 1.5/);
    expect(bad({ group: { key: () => 'k', concurrency: Number.NaN } })).toThrow(/group.concurrency must be a whole number >= 1, got NaN/);
    expect(bad({ dedupe: 'latest' })).toThrow(new RangeError(`defineTask("t"): dedupe must be 'active', 'queued', 'replace' or { debounce: { delayMs, maxDelayMs? } }, got "latest"`));
    expect(bad({ dedupe: { debounce: { delayMs: 10, maxDelayMs: 5 } } })).toThrow(/defineTask\("t"\): dedupe.debounce.maxDelayMs must be a whole number of ms >= delayMs \(10\), got 5/);
  });

  it('takes a group with or without a concurrency, Infinity meaning none', () => {
    for (const concurrency of [undefined, 1, 7, Infinity]) {
      const group = concurrency === undefined ? { key: () => 'k' } : { key: () => 'k', concurrency };
      expect(() => defineTask('t', { handler, group })).not.toThrow();
    }
  });

  it('accepts the smallest valid values', () => {
    const task = defineTask('t', { handler, retries: 0, timeout: 1, concurrency: 1, rateLimit: { limit: 1, intervalMs: 1, key: () => 'k' } });
    expect(task).toMatchObject({ kind: 'errand:task', name: 't', options: { retries: 0, timeout: 1, concurrency: 1 } });
    expect(defineTask('t', { handler, rateLimit: { limit: 1, intervalMs: 1 } }).options.rateLimit).toEqual({ limit: 1, intervalMs: 1 });
  });
});
