import { expect } from 'vitest';
import { z } from 'zod';
import { HTTPException } from '../../../src/errors/http-exception.js';
import { expectJson } from '../expect-answer.js';
import type { PeerSuite } from '../peer-app.js';

const file = 'fastapi tests/test_exception_handlers.py';

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/**
 * An app overriding the three handlers FastAPI has: HTTPException, RequestValidationError (errand:
 * the 422 status, see docs/errors.md) and Exception (errand: the generic `Error` class).
 */
export const exceptionHandlers: PeerSuite = {
  source: file,
  app: {
    handlers: (registry) =>
      registry
        .on(HTTPException, () => Response.json({ exception: 'http-exception' }))
        .on(422, () => Response.json({ exception: 'request-validation' }))
        .on(Error, () => Response.json({ exception: 'server-error' }, { status: 500 })),
    routes: [
      {
        method: 'GET',
        path: '/http-exception',
        handler: () => {
          throw new HTTPException(400);
        },
      },
      { method: 'GET', path: '/request-validation/:param', params: z.object({ param: z.coerce.number().int() }), handler: () => ({ json: null }) },
      {
        method: 'GET',
        path: '/server-error',
        handler: () => {
          throw new RuntimeError('Oops!');
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_override_http_exception`,
      name: 'a handler for HTTPException answers an HTTPException(400), its own status included',
      check: async ({ client }) => expectJson(await client('/http-exception'), { exception: 'http-exception' }),
    },
    {
      from: `${file}::test_override_request_validation_exception`,
      name: 'a handler for validation failures answers an invalid path parameter',
      check: async ({ client }) => expectJson(await client('/request-validation/invalid'), { exception: 'request-validation' }),
    },
    {
      from: `${file}::test_override_server_error_exception_response`,
      name: 'a handler for Exception (errand: Error) answers an unexpected error',
      check: async ({ client }) => expectJson(await client('/server-error'), { exception: 'server-error' }, 500),
    },
    {
      from: `${file}::test_override_server_error_exception_raises`,
      name: 'an unexpected error answered by a handler still reaches the server log, with its request id',
      check: async ({ client, lines }) => {
        const response = await client('/server-error', { headers: { 'x-request-id': 'req-oops' } });
        expect(response.status).toBe(500);
        expect(lines).toContainEqual(expect.objectContaining({ level: 50, requestId: 'req-oops', err: expect.objectContaining({ message: 'Oops!' }) }));
      },
    },
    {
      from: `${file} (its app, on a path no route has)`,
      name: 'a route miss is an HTTPException: the HTTPException handler answers it, never the Exception handler',
      check: async ({ client }) => {
        expectJson(await client('/no-such-route'), { exception: 'http-exception' });
        expectJson(await client('/server-error', { method: 'POST' }), { exception: 'http-exception' });
      },
    },
  ],
};
