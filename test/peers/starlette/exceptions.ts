import { expect } from 'vitest';
import { HTTPException } from '../../../src/errors/http-exception.js';
import { hiddenDetail } from '../../../src/errors/problem-from-error.js';
import { expectError, expectHttpError, expectLoggedAfterHeaders } from '../expect-answer.js';
import { expectNotAnErrorStatus } from '../fastapi/starlette-exception.js';
import { requestText } from '../host-glue.js';
import type { PeerSuite } from '../peer-app.js';

const file = 'starlette tests/test_exceptions.py';

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

class BadBodyException extends HTTPException {
  override name = 'BadBodyException';
}

const raise = (make: () => Error) => () => {
  throw make();
};

/** ExceptionMiddleware's app: HTTPExceptions of every kind, and a handler for a subclass. */
export const exceptions: PeerSuite = {
  source: file,
  app: {
    handlers: (registry) => registry.on(BadBodyException, async (_error, context) => Response.json({ body: await requestText(context) }, { status: 422 })),
    routes: [
      { method: 'GET', path: '/runtime_error', handler: raise(() => new RuntimeError('Yikes')) },
      { method: 'GET', path: '/not_acceptable', handler: raise(() => new HTTPException(406)) },
      { method: 'GET', path: '/no_content', handler: raise(() => new HTTPException(204)) },
      { method: 'GET', path: '/not_modified', handler: raise(() => new HTTPException(304)) },
      { method: 'GET', path: '/with_headers', handler: raise(() => new HTTPException(200, undefined, { headers: { 'x-potato': 'always' } })) },
      { method: 'GET', path: '/handled_exc_after_response', streamThenThrow: { chunk: 'OK', error: () => new HTTPException(406) } },
      { method: 'POST', path: '/consume_body_in_endpoint_and_handler', text: true, handler: raise(() => new BadBodyException(422)) },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_not_acceptable`,
      name: 'HTTPException(406) without a detail answers the reason phrase',
      difference: 'Error bodies are JSON',
      check: async (context) => expectHttpError(await context.client('/not_acceptable'), context, 406, 'Not Acceptable', { title: 'Not Acceptable' }),
    },
    {
      from: `${file}::test_no_content`,
      name: 'HTTPException(204)',
      difference: 'HTTPException takes error statuses only',
      check: async (context) => expectNotAnErrorStatus(await context.client('/no_content'), context),
    },
    {
      from: `${file}::test_not_modified`,
      name: 'HTTPException(304)',
      difference: 'HTTPException takes error statuses only',
      check: async (context) => expectNotAnErrorStatus(await context.client('/not_modified'), context),
    },
    {
      from: `${file}::test_with_headers`,
      name: 'HTTPException(200, headers)',
      difference: 'HTTPException takes error statuses only',
      check: async (context) => expectNotAnErrorStatus(await context.client('/with_headers'), context),
    },
    {
      from: `${file}::test_handled_exc_after_response`,
      name: 'an HTTPException raised after the response started leaves the response as the client got it, and is logged',
      check: async ({ client, lines, host }) => {
        const response = await client('/handled_exc_after_response', { headers: { 'x-request-id': 'req-after' } });
        expect(response.status).toBe(200);
        expect(response.text).toBe('OK');
        expectLoggedAfterHeaders(host, lines, 'req-after');
      },
    },
    {
      from: `${file}::test_force_500_response`,
      name: 'an unexpected error is a 500 that tells nothing about it',
      difference: 'Error bodies are JSON',
      check: async (context) => {
        const response = await context.client('/runtime_error');
        expectError(response, context, { status: 500, fastapi: { detail: hiddenDetail }, problem: { title: 'Internal Server Error', detail: hiddenDetail, code: 'ERRAND_INTERNAL' } });
        expect(response.text).not.toContain('Yikes');
      },
    },
    {
      from: `${file}::test_request_in_app_and_handler_is_the_same_object`,
      name: 'a handler for an HTTPException subclass reads the body the route already read',
      check: async ({ client }) => {
        const response = await client('/consume_body_in_endpoint_and_handler', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Hello!' });
        expect([response.status, response.json]).toEqual([422, { body: 'Hello!' }]);
      },
    },
  ],
};
