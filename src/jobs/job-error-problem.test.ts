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
