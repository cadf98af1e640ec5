import { expect } from 'vitest';
import { expectError, expectJson } from '../expect-answer.js';
import type { PeerContext, PeerSuite } from '../peer-app.js';
import { until } from '../peer-client.js';

const file = 'starlette tests/middleware/test_errors.py';

class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** The problem errand sends for a route miss, and FastAPI's body for it. */
export function routeMiss(status: 404 | 405, detail: string) {
  const phrase = status === 404 ? 'Not Found' : 'Method Not Allowed';
  return { status, fastapi: { detail: phrase }, problem: { title: phrase, detail, code: status === 404 ? 'ERRAND_NOT_FOUND' : 'ERRAND_METHOD_NOT_ALLOWED' } };
}

const taskErrors: string[] = [];

/** ServerErrorMiddleware's handler: errand's handler for the generic `Error` class (FastAPI's `Exception`). */
export const serverErrors: PeerSuite = {
  source: file,
  app: {
    handlers: (registry) =>
      registry
        .on(Error, () => Response.json({ detail: 'Server Error' }, { status: 500 }))
        .onTaskError(Error, (error) => void taskErrors.push(error.message)),
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
        path: '/task',
        handler: ({ background }) => {
          background.add(function raiseException() {
            throw new Error('Something went wrong in a task');
          });
          return { status: 204 };
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_handler`,
      name: 'the server-error handler answers an unexpected error',
      check: async ({ client }) => expectJson(await client('/'), { detail: 'Server Error' }, 500),
    },
    {
      from: `${file}::test_background_task`,
      name: "a failing after-response task reaches the app's error handling, and the response it followed stays a 204",
      difference: 'Task errors go to onTaskError handlers',
      check: async ({ client }) => {
        const before = taskErrors.length;
        const response = await client('/task');
        expect([response.status, response.text]).toEqual([204, '']);
        await until(() => taskErrors.length > before, 'the task error handler');
        expect(taskErrors.at(-1)).toBe('Something went wrong in a task');
      },
    },
    {
      from: `${file} (ServerErrorMiddleware vs ExceptionMiddleware), with starlette tests/test_applications.py::test_400`,
      name: 'a route miss never reaches the server-error handler: 404 and 405 keep their status and body',
      check: async (context: PeerContext) => {
        expectError(await context.client('/no-such-route'), context, routeMiss(404, 'no route matches GET /no-such-route'));
        const wrong = await context.client('/', { method: 'POST' });
        expectError(wrong, context, routeMiss(405, 'POST is not allowed on /; allowed: GET, HEAD'));
        expect(wrong.headers.allow).toBe('GET, HEAD');
      },
    },
  ],
};

