import { describe, expect, it } from 'vitest';
import { ErrandError, isErrandError } from './errand-error.js';
import { HTTPException, isHTTPException } from './http-exception.js';
import { isRouteMiss, routeMissError } from './route-miss-error.js';

describe('routeMissError', () => {
  it('is a 405 with Allow when the path is routed for other methods only', () => {
    const error = routeMissError('DELETE', '/items', ['GET', 'HEAD', 'POST']);
    expect(error).toMatchObject({ code: 'ERRAND_METHOD_NOT_ALLOWED', status: 405, headers: { allow: 'GET, HEAD, POST' } });
    expect(error.message).toBe('DELETE is not allowed on /items; allowed: GET, HEAD, POST');
  });

  it('is a 404 when no route has the path, or the method is routed there after all', () => {
    expect(routeMissError('GET', '/nowhere', [])).toMatchObject({ code: 'ERRAND_NOT_FOUND', status: 404, message: 'no route matches GET /nowhere' });
    // A route matched by path and method that still fell through (it called next()): not a 405.
    expect(routeMissError('GET', '/items', ['GET', 'HEAD'])).toMatchObject({ code: 'ERRAND_NOT_FOUND', status: 404 });
  });

  it('is an HTTPException carrying an errand code, as a route miss is an HTTPException in Starlette', () => {
    const miss = routeMissError('GET', '/nowhere', []);
    expect(isHTTPException(miss)).toBe(true);
    expect(isErrandError(miss, 'ERRAND_NOT_FOUND')).toBe(true);
    expect(isRouteMiss(miss)).toBe(true);
    expect(isRouteMiss(routeMissError('POST', '/items', ['GET']))).toBe(true);
  });

  it('tells a route miss from another 404 or 405: an HTTPException without a route-miss code, or an ErrandError with one, is not a route miss', () => {
    // The fastapi format and the HTTP metrics treat a route miss apart (Starlette's bare detail, no route label).
    expect(isRouteMiss(new HTTPException(404))).toBe(false);
    expect(isRouteMiss(new HTTPException(405, 'no', { code: 'APP_METHOD', headers: { allow: 'GET' } }))).toBe(false);
    expect(isRouteMiss(new ErrandError('ERRAND_NOT_FOUND', 'no item 7'))).toBe(false);
    expect(isRouteMiss(new HTTPException(404, 'gone', { code: 'ERRAND_NOT_FOUND' }))).toBe(true);
    expect(isRouteMiss(new HTTPException(405, 'no', { code: 'ERRAND_METHOD_NOT_ALLOWED' }))).toBe(true);
  });
});
