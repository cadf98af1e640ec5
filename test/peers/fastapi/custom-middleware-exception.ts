import { expect } from 'vitest';
import { HTTPException } from '../../../src/errors/http-exception.js';
import { expectError, expectJson } from '../expect-answer.js';
import type { PeerSuite } from '../peer-app.js';

const file = 'fastapi tests/test_custom_middleware_exception.py';

/**
 * The test's ContentSizeLimitMiddleware counts the body as it streams and raises HTTPException(422)
 * past 256 bytes. errand has that middleware built in (`bodyLimit`), answering 413.
 */
export const customMiddlewareException: PeerSuite = {
  source: file,
  app: {
    bodyLimit: 256,
    routes: [
      { method: 'POST', path: '/middleware', text: true, handler: () => ({ json: { message: 'OK' } }) },
      {
        method: 'GET',
        path: '/structured',
        handler: () => {
          throw new HTTPException(422, 'File limit exceeded', { extensions: { name: 'ContentSizeLimitExceeded', limitCode: 999 } });
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_custom_middleware_exception`,
      name: 'a body past the limit, counted as it streams, is refused before the route runs',
      difference: 'A body over the limit is 413',
      check: async (context) => {
        const response = await context.client('/middleware', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(2 ** 16 + 1) });
        expectError(response, context, { status: 413, fastapi: { detail: expect.any(String) }, problem: { code: 'ERRAND_PAYLOAD_TOO_LARGE' } });
      },
    },
    {
      from: `${file}::test_custom_middleware_exception`,
      name: "an HTTPException's structured data (FastAPI: a dict as detail)",
      difference: "HTTPException's detail is a string",
      check: async (context) => {
        const response = await context.client('/structured');
        const problem = { detail: 'File limit exceeded', name: 'ContentSizeLimitExceeded', limitCode: 999 };
        expectError(response, context, { status: 422, fastapi: { detail: 'File limit exceeded' }, problem });
      },
    },
    {
      from: `${file}::test_custom_middleware_exception_not_raised`,
      name: 'a body under the limit reaches the route',
      check: async ({ client }) => expectJson(await client('/middleware', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '<file content>' }), { message: 'OK' }),
    },
  ],
};
