import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { coerceError, errorCodes, fieldErrorsFromIssues, isErrorCode, isErrorStatus, NonErrorThrown, reasonPhrase, validationError } from './index.js';
import { payloadTooLarge } from './payload-too-large.js';

// The texts a client or an operator reads: validation details, the 413 message, reason phrases for
// unlisted statuses, and what a non-error throw becomes.

describe('validation details', () => {
  it('names every failing field, with one pointer per issue and a count', () => {
    const error = validationError(
      [
        { message: 'Required', path: ['items', 0, { key: 'price' }] },
        { message: 'Too long', path: ['a/b~c'] },
      ],
      'body',
    );
    expect(error).toMatchObject({ code: 'ERRAND_VALIDATION_FAILED', status: 422, message: 'body failed validation (2 issues: /items/0/price, /a~1b~0c)' });
    expect(error.errors).toEqual([
      { pointer: '/items/0/price', loc: ['body', 'items', 0, 'price'], message: 'Required', code: 'invalid' },
      { pointer: '/a~1b~0c', loc: ['body', 'a/b~c'], message: 'Too long', code: 'invalid' },
    ]);
  });

  it('says "1 issue" and points at the root for an issue without a path', () => {
    expect(validationError([{ message: 'Expected object' }], 'query').message).toBe('query failed validation (1 issue: /)');
    expect(validationError([{ message: 'x', path: [] }], 'payload', 'ERRAND_JOB_PAYLOAD_INVALID')).toMatchObject({ code: 'ERRAND_JOB_PAYLOAD_INVALID', status: 422 });
  });

  it('takes the issue code from zod (code) or valibot (type), and names symbol keys', () => {
    const tagged = Symbol('tag');
    const errors = fieldErrorsFromIssues(
      [
        { message: 'a', path: [7], code: 'too_small' } as never,
        { message: 'b', path: [tagged], type: 'min_length' } as never,
        { message: 'c', path: [Symbol()], code: 42, type: 7 } as never,
      ],
      'header',
    );
    expect(errors.map((error) => [error.pointer, error.loc, error.code])).toEqual([
      ['/7', ['header', 7], 'too_small'],
      ['/tag', ['header', 'tag'], 'min_length'],
      ['/symbol', ['header', 'symbol'], 'invalid'],
    ]);
  });
});

describe('the 413 message', () => {
  it('names the limit when it is known, and keeps the cause', () => {
    const cause = new Error('stream overflow');
    expect(payloadTooLarge(1_048_576)).toMatchObject({ code: 'ERRAND_PAYLOAD_TOO_LARGE', status: 413, message: 'the request body is larger than the 1048576-byte limit' });
    expect(payloadTooLarge(undefined, cause)).toMatchObject({ message: 'the request body is larger than the limit', cause });
    expect('cause' in payloadTooLarge(10)).toBe(false);
  });
});

describe('reason phrases and statuses', () => {
  it('falls back to the class of an unlisted status', () => {
    expect(reasonPhrase(404)).toBe('Not Found');
    expect(reasonPhrase(599)).toBe('Server Error');
    expect(reasonPhrase(500)).toBe('Internal Server Error');
    expect(reasonPhrase(498)).toBe('Client Error');
    expect(reasonPhrase(450)).toBe('Client Error');
    expect(reasonPhrase(399)).toBe('Unknown Status');
    expect(reasonPhrase(250)).toBe('Unknown Status');
  });

  it('accepts only integer statuses from 400 to 599 as error statuses', () => {
    expect([400, 599, 450].map(isErrorStatus)).toEqual([true, true, true]);
    expect([399, 600, 404.5, '404', undefined].map(isErrorStatus)).toEqual([false, false, false, false, false]);
  });

  it('knows its own error codes and nothing else', () => {
    expect(isErrorCode('ERRAND_NOT_FOUND')).toBe(true);
    expect(isErrorCode('ERRAND_NOPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
    expect(isErrorCode(['ERRAND_NOT_FOUND'])).toBe(false);
    expect(Object.keys(errorCodes).every(isErrorCode)).toBe(true);
  });
});

describe('coerceError', () => {
  it('describes what was thrown in the message and keeps it', () => {
    const cases: [unknown, string][] = [
      ['', 'an empty string was thrown'],
      ['plain text', 'plain text'],
      [{ message: '' }, 'a non-error object was thrown: {"message":""}'],
      [{ message: 'from an object' }, 'from an object'],
      [{ big: 1n }, 'a non-error object was thrown'],
      [{ long: 'x'.repeat(300) }, `a non-error object was thrown: ${JSON.stringify({ long: 'x'.repeat(300) }).slice(0, 200)}`],
      [function namedThrow() {}, 'a function was thrown: namedThrow'],
      [() => 1, 'a function was thrown: anonymous'],
      [null, 'null was thrown'],
      [42, 'number was thrown: 42'],
      [false, 'boolean was thrown: false'],
    ];
    for (const [thrown, message] of cases) {
      const error = coerceError(thrown);
      expect(error).toBeInstanceOf(NonErrorThrown);
      expect(error.message).toBe(message);
      expect(error.name).toBe('NonErrorThrown');
      expect((error as NonErrorThrown).thrown).toBe(thrown);
    }
  });

  it('passes an error from another realm through unchanged', () => {
    const foreign = runInNewContext('new TypeError("from a vm")') as Error;
    expect(foreign instanceof Error).toBe(false);
    expect(coerceError(foreign)).toBe(foreign);
  });
});
