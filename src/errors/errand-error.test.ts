import { describe, expect, it } from 'vitest';
import { ErrandError, isErrandError } from './errand-error.js';
import { clientErrorStacks, setClientErrorStacks } from './error-mode.js';

describe('ErrandError', () => {
  it('keeps its cause, and has none when none was given', () => {
    const root = new Error('ECONNREFUSED');
    const error = new ErrandError('ERRAND_BACKEND_UNAVAILABLE', 'redis unreachable', { cause: root });
    expect(error.cause).toBe(root);
    expect('cause' in new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7')).toBe(false);
  });

  it('takes status, errors and headers from its options, and the status from the catalogue otherwise', () => {
    const errors = [{ pointer: '/a', loc: ['body', 'a'], message: 'Required', code: 'invalid_type' }];
    const error = new ErrandError('ERRAND_VALIDATION_FAILED', 'bad', { status: 400, errors, headers: { 'x-a': '1' } });
    expect(error).toMatchObject({ name: 'ErrandError', code: 'ERRAND_VALIDATION_FAILED', status: 400, errors, headers: { 'x-a': '1' }, message: 'bad' });
    const plain = new ErrandError('ERRAND_OVERLOADED', 'busy');
    expect(plain).toMatchObject({ status: 503, errors: undefined, headers: undefined });
    expect(Object.keys(plain)).not.toContain('name');
  });

  it('is recognised by isErrandError, with or without a code, and copies from another package version too', () => {
    const error = new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7');
    expect(isErrandError(error)).toBe(true);
    expect(isErrandError(error, 'ERRAND_JOB_NOT_FOUND')).toBe(true);
    expect(isErrandError(error, 'ERRAND_CSRF')).toBe(false);
    expect(isErrandError(Object.assign(new Error('copy'), { code: 'ERRAND_CSRF' }), 'ERRAND_CSRF')).toBe(true);
    expect(isErrandError(Object.assign(new Error('node'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isErrandError(Object.assign(new Error('numeric'), { code: 42 }))).toBe(false);
    expect(isErrandError({ code: 'ERRAND_CSRF', message: 'not an error' })).toBe(false);
  });

  it('skips the stack of client errors and expected refusals when stacks are off, and restores the limit', () => {
    const before = clientErrorStacks();
    const limit = Error.stackTraceLimit;
    setClientErrorStacks(false);
    try {
      const frames = (error: Error) => (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).length;
      expect(frames(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7'))).toBe(0);
      expect(frames(new ErrandError('ERRAND_SHUTTING_DOWN', 'bye'))).toBe(0);
      expect(frames(new ErrandError('ERRAND_BACKEND_UNAVAILABLE', 'down'))).toBeGreaterThan(0);
      expect(frames(new ErrandError('ERRAND_JOB_NOT_FOUND', 'as a 500', { status: 500 }))).toBeGreaterThan(0);
      expect(Error.stackTraceLimit).toBe(limit);
      setClientErrorStacks(true);
      expect(frames(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7'))).toBeGreaterThan(0);
    } finally {
      setClientErrorStacks(before);
    }
  });
});
