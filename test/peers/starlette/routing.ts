import { expect } from 'vitest';
import { HTTPException } from '../../../src/errors/http-exception.js';
import { expectError } from '../expect-answer.js';
import type { PeerContext, PeerSuite } from '../peer-app.js';
import { routeMiss } from './server-errors.js';

const file = 'starlette tests/test_routing.py';
const apps = 'starlette tests/test_applications.py';

function allowed(header: string | string[] | undefined): string[] {
  return String(header).split(', ').sort();
}

/** Route misses with no handler of the app's own: errand's 404 and 405, FastAPI's bodies in its format. */
export const routing: PeerSuite = {
  source: `${file} (404, 405, HEAD)`,
  app: {
    routes: [
      { method: 'GET', path: '/', handler: () => ({ text: 'Hello, world' }) },
      { method: 'GET', path: '/func', handler: () => ({ text: 'Hello, world!' }) },
      { method: 'POST', path: '/func', handler: () => ({ text: 'Hello, POST!' }) },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_router`,
      name: 'a routed path answers its method',
      check: async ({ client }) => {
        const response = await client('/');
        expect([response.status, response.text]).toEqual([200, 'Hello, world']);
      },
    },
    {
      from: `${file}::test_router`,
      name: "a path routed for GET only answers POST with 405, Allow: GET, HEAD and Starlette's detail in the fastapi format",
      check: async (context: PeerContext) => {
        const response = await context.client('/', { method: 'POST' });
        expectError(response, context, routeMiss(405, 'POST is not allowed on /; allowed: GET, HEAD'));
        expect(allowed(response.headers.allow)).toEqual(['GET', 'HEAD']);
      },
    },
    {
      from: `${file}::test_router (/func is GET and POST)`,
      name: 'Allow lists every method the path is routed for',
      check: async (context: PeerContext) => {
        const response = await context.client('/func', { method: 'DELETE' });
        expect(response.status).toBe(405);
        expect(allowed(response.headers.allow)).toEqual(['GET', 'HEAD', 'POST']);
      },
    },
    {
      from: `${file}::test_router, ${file}::test_standalone_route_does_not_match`,
      name: 'a path no route has is a 404, {"detail":"Not Found"} in the fastapi format',
      check: async (context: PeerContext) => {
        expectError(await context.client('/foo'), context, routeMiss(404, 'no route matches GET /foo'));
        expectError(await context.client('/invalid'), context, routeMiss(404, 'no route matches GET /invalid'));
      },
    },
    {
      from: `${apps}::test_func_route`,
      name: 'HEAD on a GET route answers 200 with no body',
      check: async ({ client }) => {
        const response = await client('/func', { method: 'HEAD' });
        expect([response.status, response.text]).toEqual([200, '']);
      },
    },
    {
      from: `${file}::test_router (HEAD on a path no route has)`,
      name: 'HEAD on a path no route has is a 404 with no body',
      check: async ({ client }) => {
        const response = await client('/foo', { method: 'HEAD' });
        expect([response.status, response.text]).toEqual([404, '']);
      },
    },
  ],
};

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** test_applications.py's app: handlers for 500, for 405 and for HTTPException. */
export const applications: PeerSuite = {
  source: apps,
  app: {
    handlers: (registry) =>
      registry
        .on(500, () => Response.json({ detail: 'Server Error' }, { status: 500 }))
        .on(405, () => Response.json({ detail: 'Custom message' }, { status: 405 }))
        .on(HTTPException, (error) => Response.json({ detail: error.detail }, { status: error.status })),
    routes: [
      { method: 'GET', path: '/func', handler: () => ({ text: 'Hello, world!' }) },
      {
        method: 'GET',
        path: '/500',
        handler: () => {
          throw new RuntimeError();
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${apps}::test_func_route`,
      name: 'GET answers the body, HEAD the same status with none',
      check: async ({ client }) => {
        const get = await client('/func');
        expect([get.status, get.text]).toEqual([200, 'Hello, world!']);
        const head = await client('/func', { method: 'HEAD' });
        expect([head.status, head.text]).toEqual([200, '']);
      },
    },
    {
      from: `${apps}::test_400`,
      name: 'a handler for HTTPException answers a route miss too',
      difference: "A route miss's detail",
      check: async ({ client }) => {
        const response = await client('/404');
        expect([response.status, response.json]).toEqual([404, { detail: 'no route matches GET /404' }]);
      },
    },
    {
      from: `${apps}::test_405`,
      name: 'a handler for 405 wins over the handler for HTTPException',
      check: async ({ client }) => {
        const response = await client('/func', { method: 'POST' });
        expect([response.status, response.json, response.headers.allow]).toEqual([405, { detail: 'Custom message' }, 'GET, HEAD']);
      },
    },
    {
      from: `${apps}::test_500`,
      name: 'a handler for 500 answers an unexpected error',
      check: async ({ client }) => {
        const response = await client('/500');
        expect([response.status, response.json]).toEqual([500, { detail: 'Server Error' }]);
      },
    },
  ],
};
