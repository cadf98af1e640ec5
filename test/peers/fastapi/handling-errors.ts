import { expect } from 'vitest';
import { z } from 'zod';
import { HTTPException } from '../../../src/errors/http-exception.js';
import { expectHttpError, expectJson, expectValidation } from '../expect-answer.js';
import { requestBody } from '../host-glue.js';
import type { PeerRoute, PeerSuite } from '../peer-app.js';

const dir = 'fastapi tests/test_tutorial/test_handling_errors';

class UnicornException extends Error {
  override name = 'UnicornException';
  constructor(readonly unicorn: string) {
    super(`unicorn ${unicorn}`);
  }
}

/** tutorial003: a handler for the app's own exception class. */
export const unicorns: PeerSuite = {
  source: `${dir}/test_tutorial003.py`,
  app: {
    handlers: (registry) => registry.on(UnicornException, (error) => Response.json({ message: `Oops! ${error.unicorn} did something. There goes a rainbow...` }, { status: 418 })),
    routes: [
      {
        method: 'GET',
        path: '/unicorns/:name',
        handler: ({ params }) => {
          if (params.name === 'yolo') throw new UnicornException(params.name);
          return { json: { unicorn_name: params.name } };
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${dir}/test_tutorial003.py::test_get`,
      name: 'a route that does not raise answers its body',
      check: async ({ client }) => expectJson(await client('/unicorns/shinny'), { unicorn_name: 'shinny' }),
    },
    {
      from: `${dir}/test_tutorial003.py::test_get_exception`,
      name: "a handler for the app's own exception class answers it, its status (418) included",
      check: async ({ client }) => expectJson(await client('/unicorns/yolo'), { message: 'Oops! yolo did something. There goes a rainbow...' }, 418),
    },
  ],
};

// tutorials 004 and 006: GET /items/{item_id: int}, 3 raises HTTPException(418).
const itemRoute: PeerRoute = {
  method: 'GET',
  path: '/items/:item_id',
  params: z.object({ item_id: z.coerce.number().int() }),
  handler: ({ params }) => {
    if (Number(params.item_id) === 3) throw new HTTPException(418, "Nope! I don't like 3.");
    return { json: { item_id: params.item_id } };
  },
};

function pythonTuple(loc: readonly (string | number)[]): string {
  return `(${loc.map((part) => (typeof part === 'string' ? `'${part}'` : String(part))).join(', ')})`;
}

/** tutorial004: plain-text bodies for HTTP errors and for validation failures (as a 400). */
export const plainTextErrors: PeerSuite = {
  source: `${dir}/test_tutorial004.py`,
  app: {
    handlers: (registry) =>
      registry
        .on(HTTPException, (error) => new Response(error.detail, { status: error.status, headers: { 'content-type': 'text/plain' } }))
        .on(422, (_error, { problem }) => {
          let message = 'Validation errors:';
          for (const field of problem.errors ?? []) message += `\nField: ${pythonTuple(field.loc)}, Error: ${field.message}`;
          return new Response(message, { status: 400, headers: { 'content-type': 'text/plain' } });
        }),
    routes: [itemRoute],
  },
  behaviours: [
    {
      from: `${dir}/test_tutorial004.py::test_get_validation_error`,
      name: 'a handler for validation failures answers them as it likes (plain text, 400)',
      check: async ({ client }) => {
        const response = await client('/items/foo');
        expect(response.status).toBe(400);
        expect(response.text).toContain('Validation errors:');
        expect(response.text).toContain("Field: ('path', 'item_id')");
      },
    },
    {
      from: `${dir}/test_tutorial004.py::test_get_http_error`,
      name: 'a handler for HTTPException answers with a plain-text body',
      check: async ({ client }) => {
        const response = await client('/items/3');
        expect([response.status, response.text]).toEqual([418, "Nope! I don't like 3."]);
      },
    },
    {
      from: `${dir}/test_tutorial004.py::test_get`,
      name: 'a valid path parameter reaches the handler converted',
      check: async ({ client }) => expectJson(await client('/items/2'), { item_id: 2 }),
    },
  ],
};

/** tutorial005: a validation handler that sends the errors and the body it received. */
export const validationWithBody: PeerSuite = {
  source: `${dir}/test_tutorial005.py`,
  app: {
    handlers: (registry) =>
      registry.on(422, async (_error, context) => {
        const detail = (context.problem.errors ?? []).map((field) => ({ type: field.code, loc: field.loc, msg: field.message }));
        return Response.json({ detail, body: await requestBody(context) }, { status: 422 });
      }),
    routes: [{ method: 'POST', path: '/items/', body: z.object({ title: z.string(), size: z.number().int() }), handler: ({ body }) => ({ json: body }) }],
  },
  behaviours: [
    {
      from: `${dir}/test_tutorial005.py::test_post_validation_error`,
      name: 'a validation handler can answer with the failing fields and the body as received',
      difference: 'The entries of a 422',
      check: async ({ client }) => {
        const response = await client('/items/', { method: 'POST', body: { title: 'towel', size: 'XL' } });
        expect(response.status).toBe(422);
        expect(response.json).toEqual({ detail: [{ type: 'invalid_type', loc: ['body', 'size'], msg: expect.any(String) }], body: { title: 'towel', size: 'XL' } });
      },
    },
    {
      from: `${dir}/test_tutorial005.py::test_post`,
      name: 'a valid body passes',
      check: async ({ client }) => expectJson(await client('/items/', { method: 'POST', body: { title: 'towel', size: 5 } }), { title: 'towel', size: 5 }),
    },
  ],
};

const seen: string[] = [];

/** tutorial006: handlers that log, then hand the error back to the defaults (errand: decline). */
export const reuseDefaults: PeerSuite = {
  source: `${dir}/test_tutorial006.py`,
  app: {
    handlers: (registry) =>
      registry
        .on(HTTPException, (error) => void seen.push(`OMG! An HTTP error!: ${error.status}`))
        .on(422, (error) => void seen.push(`OMG! The client sent invalid data!: ${error.message}`)),
    routes: [itemRoute],
  },
  behaviours: [
    {
      from: `${dir}/test_tutorial006.py::test_get_validation_error`,
      name: "a handler that declines leaves the default 422, FastAPI's detail list in its format",
      difference: 'The entries of a 422',
      check: async (context) => {
        const before = seen.length;
        expectValidation(await context.client('/items/foo'), context, [['path', 'item_id']]);
        expect(seen.slice(before)).toEqual([expect.stringContaining('OMG! The client sent invalid data!')]);
      },
    },
    {
      from: `${dir}/test_tutorial006.py::test_get_http_error`,
      name: 'a handler for HTTPException that declines leaves the default answer',
      check: async (context) => {
        const before = seen.length;
        expectHttpError(await context.client('/items/3'), context, 418, "Nope! I don't like 3.");
        expect(seen.slice(before)).toEqual(['OMG! An HTTP error!: 418']);
      },
    },
    {
      from: `${dir}/test_tutorial006.py::test_get`,
      name: 'a valid request is answered by the route',
      check: async ({ client }) => expectJson(await client('/items/2'), { item_id: 2 }),
    },
  ],
};
