import { describe, expect, it } from 'vitest';
import { defaultErrorMode } from './error-mode.js';
import { HTTPException } from './http-exception.js';
import { hiddenDetail, problemFromError } from './problem-from-error.js';
import { renderProblem } from './render-problem.js';
import { routeMissError } from './route-miss-error.js';

describe('problemFromError', () => {
  it('never sends a 5xx message, stack or cause in production', () => {
    const error = new Error('password=hunter2 at db.internal', { cause: new Error('socket hang up') });
    const { problem } = problemFromError(error, { mode: 'production', instance: '/x', requestId: 'r' });
    expect(problem).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail, instance: '/x', code: 'ERRAND_INTERNAL', requestId: 'r' });
    const explicit = problemFromError(new HTTPException(503, 'replica lag 30s', { extensions: { host: 'db-2' } }), { mode: 'production' }).problem;
    expect(explicit.detail).toBe(hiddenDetail);
    expect(explicit.host).toBeUndefined();
  });

  it('hides the code and extensions of a 500 exactly as of any other 5xx in production', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { statusCode: 500, code: 'ECONNREFUSED' });
    // As for the 502 of registry-answers.test.ts: the foreign code is left out, not sent.
    expect(problemFromError(refused, { mode: 'production' }).problem).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail });
    const withHost = problemFromError(new HTTPException(500, 'pool exhausted', { extensions: { host: 'db-2' } }), { mode: 'production' }).problem;
    expect(withHost).not.toHaveProperty('host');
    // Debug mode shows what the error carried.
    expect(problemFromError(refused, { mode: 'debug' }).problem).toMatchObject({ detail: 'connect ECONNREFUSED 10.0.0.7:5432', code: 'ECONNREFUSED' });
  });

  it("sends a foreign 4xx error's code only when it is errand's or Fastify's, in production", () => {
    // What body-parser passes on for a body declared gzip that is not: zlib's error made a 400.
    const zlib = Object.assign(new Error('incorrect header check'), { status: 400, expose: true, code: 'Z_DATA_ERROR', errno: -3 });
    expect(problemFromError(zlib, { mode: 'production' }).problem).not.toHaveProperty('code');
    expect(problemFromError(zlib, { mode: 'debug' }).problem).toMatchObject({ status: 400, code: 'Z_DATA_ERROR' });
    const reset = Object.assign(new Error('aborted'), { statusCode: 400, code: 'ECONNRESET' });
    expect(problemFromError(reset, { mode: 'production' }).problem).not.toHaveProperty('code');
    const fastify = Object.assign(new Error('body too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(problemFromError(fastify, { mode: 'production' }).problem).toMatchObject({ status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    const otherCopy = Object.assign(new Error('no such job'), { status: 404, code: 'ERRAND_JOB_NOT_FOUND' });
    expect(problemFromError(otherCopy, { mode: 'production' }).problem).toMatchObject({ code: 'ERRAND_JOB_NOT_FOUND' });
    // A code that only starts like an allowed one is still foreign.
    const lookalike = Object.assign(new Error('x'), { status: 400, code: 'FST_err lowercase' });
    expect(problemFromError(lookalike, { mode: 'production' }).problem).not.toHaveProperty('code');
    // An HTTPException's own code is the app's choice: always sent.
    expect(problemFromError(new HTTPException(409, 'taken', { code: 'APP_TAKEN' }), { mode: 'production' }).problem).toMatchObject({ code: 'APP_TAKEN' });
  });

  it('keeps an errand code on a 5xx in production, and gives a 5xx without a code ERRAND_INTERNAL', () => {
    const overloaded = Object.assign(new Error('too many tasks in flight'), { status: 503, code: 'ERRAND_OVERLOADED' });
    expect(problemFromError(overloaded, { mode: 'production' }).problem).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: hiddenDetail, code: 'ERRAND_OVERLOADED' });
    expect(problemFromError(new HTTPException(502), { mode: 'production' }).problem).toMatchObject({ status: 502, code: 'ERRAND_INTERNAL' });
  });

  it('gives a client error no code unless its error carries one', () => {
    expect(problemFromError(new HTTPException(404), { mode: 'production' }).problem).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'Not Found' });
    expect(problemFromError(new HTTPException(404), { mode: 'debug' }).problem).not.toHaveProperty('code');
  });

  it('shows a 5xx HTTPException that opts in with expose: its detail, its own code and extensions, in production', () => {
    const full = new HTTPException(507, 'the data directory is full', { code: 'APP_STORAGE_FULL', extensions: { maxBytes: 1024 }, expose: true });
    expect(problemFromError(full, { mode: 'production', instance: '/x' }).problem).toEqual({
      type: 'about:blank',
      title: 'Insufficient Storage',
      status: 507,
      detail: 'the data directory is full',
      instance: '/x',
      code: 'APP_STORAGE_FULL',
      maxBytes: 1024,
    });
    // Exposed without a code of its own, it still says ERRAND_INTERNAL, as a hidden 5xx does.
    expect(problemFromError(new HTTPException(503, 'back at 02:00', { expose: true }), { mode: 'production' }).problem).toMatchObject({ detail: 'back at 02:00', code: 'ERRAND_INTERNAL' });
    // The stack and cause stay for debug mode.
    const caused = problemFromError(new HTTPException(503, 'down', { expose: true, cause: new Error('replica lag') }), { mode: 'production' }).problem;
    expect(caused).not.toHaveProperty('cause');
    expect(caused).not.toHaveProperty('stack');
  });

  it('hides a 4xx HTTPException that opts out with expose: false, as http-errors does: the reason phrase, no app code, no extensions', () => {
    const hidden = new HTTPException(409, 'user 7 holds the lock', { code: 'APP_LOCKED', extensions: { holder: 7 }, expose: false });
    expect(problemFromError(hidden, { mode: 'production' }).problem).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'Conflict' });
    // An errand code is public whatever the error says; debug mode shows everything.
    expect(problemFromError(new HTTPException(409, 'x', { code: 'ERRAND_CONFLICT', expose: false }), { mode: 'production' }).problem).toMatchObject({ code: 'ERRAND_CONFLICT' });
    expect(problemFromError(hidden, { mode: 'debug' }).problem).toMatchObject({ detail: 'user 7 holds the lock', code: 'APP_LOCKED', holder: 7 });
  });

  it("shows an http-errors 5xx created with expose: true, and still never a foreign code it carries", () => {
    const exposed = Object.assign(new Error('maintenance until 02:00'), { status: 503, expose: true });
    expect(problemFromError(exposed, { mode: 'production' }).problem).toMatchObject({ status: 503, detail: 'maintenance until 02:00' });
    const withForeign = Object.assign(new Error('maintenance'), { status: 503, expose: true, code: 'ECONNREFUSED' });
    expect(problemFromError(withForeign, { mode: 'production' }).problem).not.toHaveProperty('code');
    // Anything but a boolean true keeps the default.
    const truthy = Object.assign(new Error('pool exhausted'), { status: 503, expose: 'yes' });
    expect(problemFromError(truthy, { mode: 'production' }).problem.detail).toBe(hiddenDetail);
  });

  it('adds stack and cause as extensions in debug mode', () => {
    const error = new Error('boom', { cause: new Error('root') });
    const { problem } = problemFromError(error, { mode: 'debug' });
    expect(problem.detail).toBe('boom');
    expect(problem.stack).toContain('Error: boom');
    expect(problem.cause).toEqual({ name: 'Error', message: 'root' });
  });

  it('keeps 4xx details and extensions but never lets an extension overwrite the envelope', () => {
    const { problem, headers } = problemFromError(new HTTPException(402, 'top up', { extensions: { balance: 30, status: 200 }, headers: { 'x-a': '1' } }), { mode: 'production' });
    expect(problem).toMatchObject({ status: 402, title: 'Payment Required', detail: 'top up', balance: 30 });
    expect(headers).toEqual({ 'x-a': '1' });
  });

  it('defaults the mode from NODE_ENV: debug only for development and test', () => {
    expect(defaultErrorMode({ NODE_ENV: 'development' })).toBe('debug');
    expect(defaultErrorMode({ NODE_ENV: 'test' })).toBe('debug');
    expect(defaultErrorMode({ NODE_ENV: 'production' })).toBe('production');
    expect(defaultErrorMode({})).toBe('production');
    expect(defaultErrorMode({ NODE_ENV: 'staging' })).toBe('production');
  });
});

describe('renderProblem', () => {
  const error = new Error('x');
  const problem = { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'bad', errors: [{ pointer: '/a', loc: ['body', 'a'], message: 'Required', code: 'invalid_type' }] };

  it('renders application/problem+json by default', async () => {
    const res = renderProblem(problem, { context: { error }, headers: { allow: 'GET' } });
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toEqual(problem);
  });

  it("renders FastAPI's detail list for validation and detail string otherwise", async () => {
    const res = renderProblem(problem, { format: 'fastapi', context: { error } });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ detail: [{ loc: ['body', 'a'], msg: 'Required', type: 'invalid_type' }] });
    const plain = renderProblem({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'gone' }, { format: 'fastapi', context: { error } });
    expect(await plain.json()).toEqual({ detail: 'gone' });
  });

  it("sends Starlette's reason phrase as a route miss's detail, unless a handler set its own", async () => {
    for (const [miss, detail] of [[routeMissError('GET', '/nonexistent', []), 'Not Found'], [routeMissError('POST', '/items/foo', ['GET', 'HEAD']), 'Method Not Allowed']] as const) {
      const { problem: missProblem, headers } = problemFromError(miss, { mode: 'production', instance: '/x' });
      const res = renderProblem(missProblem, { format: 'fastapi', headers, context: { error: miss } });
      expect([res.status, await res.json()]).toEqual([miss.status, { detail }]);
      expect(await renderProblem(missProblem, { context: { error: miss } }).json()).toMatchObject({ detail: miss.message });
      const custom = renderProblem({ ...missProblem, detail: 'nothing lives here' }, { format: 'fastapi', context: { error: miss } });
      expect(await custom.json()).toEqual({ detail: 'nothing lives here' });
    }
  });

  it("sends an HTTPException's own detail in the fastapi format, even one that carries an errand code", async () => {
    for (const error of [new HTTPException(404, 'no item 7'), new HTTPException(404, 'no item 7', { code: 'APP_NO_ITEM' })]) {
      const { problem } = problemFromError(error, { mode: 'production' });
      expect(await renderProblem(problem, { format: 'fastapi', context: { error } }).json()).toEqual({ detail: 'no item 7' });
    }
  });

  it("takes a user formatter, so the seed's {error: message} is one line", async () => {
    const res = renderProblem(problem, { format: (p) => ({ error: p.detail }), context: { error } });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: 'bad' });
  });
});
