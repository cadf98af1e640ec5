import { Boom } from '@hapi/boom';
import { HTTPException as HonoHTTPException } from 'hono/http-exception';
import createHttpError from 'http-errors';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrandError } from './errand-error.js';
import { clientErrorStacks, setClientErrorStacks } from './error-mode.js';
import { httpErrorInfo } from './http-error-info.js';
import { HTTPException, isHTTPException } from './http-exception.js';

afterEach(() => setClientErrorStacks(true));

describe('HTTPException', () => {
  it('defaults detail to the reason phrase and keeps headers, type, cause and extensions', () => {
    const cause = new Error('root');
    const error = new HTTPException(405, undefined, { headers: { Allow: 'GET' }, type: 'https://example.com/probs/method', cause, extensions: { hint: 'use GET' } });
    expect(error.detail).toBe('Method Not Allowed');
    expect(error.message).toBe('Method Not Allowed');
    expect(error.cause).toBe(cause);
    expect(httpErrorInfo(error)).toMatchObject({ status: 405, headers: { Allow: 'GET' }, type: 'https://example.com/probs/method', extensions: { hint: 'use GET' } });
  });

  it('exposes a client error and hides a server error unless told otherwise', () => {
    expect(new HTTPException(404).expose).toBe(true);
    expect(new HTTPException(503).expose).toBe(false);
    expect(new HTTPException(503, 'down', { expose: true }).expose).toBe(true);
    expect(new HTTPException(404, 'x', { expose: false }).expose).toBe(false);
    // A status answered as 500 is a server error: hidden by default.
    expect(new HTTPException(200).expose).toBe(false);
    expect(httpErrorInfo(new HTTPException(503, 'down', { expose: true }))).toMatchObject({ status: 503, detail: 'down', expose: true });
  });

  it('answers a status outside 400..599 as 500', () => {
    expect(new HTTPException(200).status).toBe(500);
    expect(new HTTPException(404.5).status).toBe(500);
  });

  it('is recognised by its brand across copies of the package, not by instanceof', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('errand.HTTPException')]: true });
    expect(isHTTPException(foreign)).toBe(true);
    expect(isHTTPException(new Error('x'))).toBe(false);
    expect(isHTTPException({})).toBe(false);
    for (const value of [null, undefined, 'HTTPException', 404]) expect(isHTTPException(value)).toBe(false);
  });

  it('captures no stack for client errors when stacks are off (production), but does for 5xx', () => {
    setClientErrorStacks(false);
    expect(clientErrorStacks()).toBe(false);
    expect(new HTTPException(404).stack).toBe('HTTPException: Not Found');
    expect(new ErrandError('ERRAND_NOT_FOUND', 'gone').stack).toBe('ErrandError: gone');
    expect(new HTTPException(500).stack).toContain('\n    at ');
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
    setClientErrorStacks(true);
    expect(clientErrorStacks()).toBe(true);
    expect(new HTTPException(404).stack).toContain('\n    at ');
  });
});

describe('httpErrorInfo', () => {
  it("honours Hono's HTTPException, with the headers of its response", () => {
    const res = new Response('Unauthorized', { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="x"' } });
    expect(httpErrorInfo(new HonoHTTPException(401, { res }))).toMatchObject({ status: 401, detail: 'Unauthorized', headers: { 'www-authenticate': 'Basic realm="x"' } });
    expect(httpErrorInfo(new HonoHTTPException(403, { message: 'no' }))).toMatchObject({ status: 403, detail: 'no' });
  });

  it("keeps only the headers of a Hono HTTPException's response that are not about its own body", () => {
    const res = new Response('Unauthorized', { status: 401, headers: { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'text/plain', 'Content-Length': '12' } });
    expect(httpErrorInfo(new HonoHTTPException(401, { res }))?.headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(httpErrorInfo(new HonoHTTPException(401, { res: new Response(null, { status: 401 }) }))?.headers).toBeUndefined();
  });

  it('honours http-errors, hiding the message of what it does not expose', () => {
    expect(httpErrorInfo(createHttpError(404, 'no such user'))).toMatchObject({ status: 404, detail: 'no such user' });
    expect(httpErrorInfo(createHttpError(503, 'pool exhausted'))).toMatchObject({ status: 503, detail: 'Service Unavailable' });
    expect(httpErrorInfo(createHttpError(401, 'who', { headers: { 'WWW-Authenticate': 'Bearer' } }))?.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(httpErrorInfo(createHttpError(503, 'back at 02:00', { expose: true }))).toMatchObject({ status: 503, detail: 'back at 02:00', expose: true });
    expect(httpErrorInfo(createHttpError(503, 'pool exhausted'))?.expose).toBe(false);
  });

  it('honours @hapi/boom with its output headers', () => {
    const boom = new Boom('slow down', { statusCode: 429 });
    boom.output.headers['Retry-After'] = '5';
    expect(httpErrorInfo(boom)).toMatchObject({ status: 429, detail: 'slow down', headers: { 'Retry-After': '5' } });
  });

  it('honours Fastify-style statusCode and code', () => {
    const error = Object.assign(new Error('body too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(httpErrorInfo(error)).toMatchObject({ status: 413, detail: 'body too large', code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  });

  it('sends header values that are strings or numbers, and survives headers that are not an object', () => {
    const limited = Object.assign(new Error('slow down'), { statusCode: 429, headers: { 'retry-after': 30, 'x-limit': '10', 'x-none': undefined, 'x-list': ['a'] } });
    expect(httpErrorInfo(limited)?.headers).toEqual({ 'retry-after': '30', 'x-limit': '10' });
    expect(httpErrorInfo(Object.assign(new Error('gone'), { statusCode: 410, headers: null }))).toMatchObject({ status: 410, detail: 'gone', headers: undefined });
  });

  it('ignores statuses that are not error statuses and plain errors', () => {
    expect(httpErrorInfo(Object.assign(new Error('x'), { status: 200 }))).toBeUndefined();
    expect(httpErrorInfo(new Error('x'))).toBeUndefined();
  });
});
