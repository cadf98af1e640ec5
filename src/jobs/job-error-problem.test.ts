import { describe, expect, it } from 'vitest';
import { ErrandError } from '../errors/errand-error.js';
import { jobErrorProblem } from './job-error-problem.js';
import { PayloadInvalidError } from './payload-invalid-error.js';
import { UnrecoverableError } from './unrecoverable-error.js';

describe('jobErrorProblem', () => {
  it('keeps the name and message of an ordinary error, without its stack', () => {
    expect(jobErrorProblem(new TypeError('bad input'))).toEqual({ type: 'about:blank', title: 'TypeError', status: 500, detail: 'bad input' });
  });

  it('carries errand codes, statuses and field errors', () => {
    expect(jobErrorProblem(new UnrecoverableError('gone'))).toMatchObject({ title: 'UnrecoverableError', code: 'ERRAND_UNRECOVERABLE', status: 500 });
    expect(jobErrorProblem(new ErrandError('ERRAND_JOB_TIMEOUT', 'too slow'))).toMatchObject({ code: 'ERRAND_JOB_TIMEOUT', detail: 'too slow' });
    const invalid = jobErrorProblem(new PayloadInvalidError('t', [{ pointer: '/n', loc: ['payload', 'n'], message: 'expected a number', code: 'invalid_type' }]));
    expect(invalid).toMatchObject({ status: 422, code: 'ERRAND_JOB_PAYLOAD_INVALID', errors: [{ pointer: '/n' }] });
  });

  it('keeps an HTTP status and a string code that a client error carries', () => {
    const upstream = Object.assign(new Error('upstream said no'), { status: 429, code: 'RATE_LIMITED' });
    expect(jobErrorProblem(upstream)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(jobErrorProblem(Object.assign(new Error('odd'), { status: 42 })).status).toBe(500);
  });

  it('adds stack and cause only in debug mode', () => {
    const error = new Error('outer', { cause: new RangeError('inner') });
    expect(jobErrorProblem(error)).not.toHaveProperty('stack');
    const debug = jobErrorProblem(error, { debug: true });
    expect(debug.stack).toMatch(/Error: outer/);
    expect(debug.cause).toEqual({ name: 'RangeError', message: 'inner' });
  });
});

describe('jobErrorProblem, edges', () => {
  it('names a nameless error Error and leaves out an empty message', () => {
    const nameless = Object.assign(new Error(''), { name: '' });
    expect(jobErrorProblem(nameless)).toEqual({ type: 'about:blank', title: 'Error', status: 500 });
  });

  it('takes status, else statusCode, when it is a whole number from 400 to 599', () => {
    const status = (fields: object): number => jobErrorProblem(Object.assign(new Error('x'), fields)).status;
    expect([400, 599, 399, 600, 450.5, '404'].map((value) => status({ status: value }))).toEqual([400, 599, 500, 500, 500, 500]);
    expect(status({ statusCode: 503 })).toBe(503);
    expect(status({ status: 404, statusCode: 503 })).toBe(404);
    expect(jobErrorProblem(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no such job')).status).toBe(404);
  });

  it('ignores a code that is not a string, and field errors on an error that is not errand’s', () => {
    const foreign = Object.assign(new Error('x'), { code: 42, errors: [{ pointer: '/a' }] });
    expect(jobErrorProblem(foreign)).toEqual({ type: 'about:blank', title: 'Error', status: 500, detail: 'x' });
  });

  it('keeps a cause that is not an Error as JSON, or as text when it cannot be JSON', () => {
    expect(jobErrorProblem(new Error('x', { cause: { retryIn: 5 } }), { debug: true }).cause).toEqual({ retryIn: 5 });
    const circular: { self?: unknown } = {};
    circular.self = circular;
    expect(jobErrorProblem(new Error('x', { cause: circular }), { debug: true }).cause).toBe('[object Object]');
    expect(jobErrorProblem(new Error('x', { cause: 'plain words' }), { debug: false })).not.toHaveProperty('cause');
  });
});
