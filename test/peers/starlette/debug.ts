import { expect } from 'vitest';
import { expectLoggedAfterHeaders } from '../expect-answer.js';
import type { PeerContext, PeerSuite } from '../peer-app.js';
import type { PeerResponse } from '../peer-client.js';

const file = 'starlette tests/middleware/test_errors.py';

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** Debug mode's 500: the message, and in the problem format the stack naming the error class. */
function expectDebug500(response: PeerResponse, { format }: PeerContext, message: string): void {
  expect(response.status).toBe(500);
  if (format === 'fastapi') {
    expect(response.json).toEqual({ detail: message });
    return;
  }
  expect(response.headers['content-type']).toBe('application/problem+json');
  const body = response.json as { detail: string; stack: string };
  expect(body.detail).toBe(message);
  expect(body.stack).toContain(`RuntimeError${message === 'Internal Server Error' ? '' : `: ${message}`}`);
}

/** ServerErrorMiddleware(debug=True) and Starlette(debug=True): errand's `mode: 'debug'`. */
export const debug: PeerSuite = {
  source: `${file} (debug), starlette tests/test_applications.py::test_app_debug`,
  app: {
    mode: 'debug',
    routes: [
      {
        method: 'GET',
        path: '/',
        handler: () => {
          throw new RuntimeError('Something went wrong');
        },
      },
      {
        method: 'GET',
        path: '/bare',
        handler: () => {
          throw new RuntimeError();
        },
      },
      { method: 'GET', path: '/after-response', streamThenThrow: { chunk: 'sent', error: () => new RuntimeError('Something went wrong') } },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_debug_text`,
      name: "debug mode sends the error's message and, in the problem format, its stack",
      difference: 'Error bodies are JSON',
      check: async (context) => expectDebug500(await context.client('/'), context, 'Something went wrong'),
    },
    {
      from: `${file}::test_debug_html`,
      name: 'a browser asking for HTML gets the same debug answer',
      difference: 'Error bodies are JSON',
      check: async (context) => expectDebug500(await context.client('/', { headers: { accept: 'text/html, */*' } }), context, 'Something went wrong'),
    },
    {
      from: 'starlette tests/test_applications.py::test_app_debug',
      name: 'debug mode names the class of an error without a message',
      difference: 'Error bodies are JSON',
      check: async (context) => expectDebug500(await context.client('/bare'), context, 'Internal Server Error'),
    },
    {
      from: `${file}::test_debug_after_response_sent`,
      name: 'an error after the response started is not sent over it, in debug mode too; it is logged',
      check: async ({ client, lines, host }) => {
        const response = await client('/after-response', { headers: { 'x-request-id': 'req-debug-after' } });
        expect([response.status, response.text]).toEqual([200, 'sent']);
        expectLoggedAfterHeaders(host, lines, 'req-debug-after');
      },
    },
  ],
};
