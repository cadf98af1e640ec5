import { expect } from 'vitest';
import { HTTPException } from '../../../src/errors/http-exception.js';
import { hiddenDetail } from '../../../src/errors/problem-from-error.js';
import { expectError, expectHttpError, expectJson } from '../expect-answer.js';
import type { PeerContext, PeerSuite } from '../peer-app.js';

const file = 'fastapi tests/test_starlette_exception.py';
const tutorials = 'fastapi tests/test_tutorial/test_handling_errors';
const items: Record<string, string> = { foo: 'The Foo Wrestlers' };

function readItem(headers?: Record<string, string>) {
  return ({ params }: { params: Record<string, string> }) => {
    const item = items[params.item_id];
    if (item === undefined) throw new HTTPException(404, 'Item not found', headers ? { headers } : undefined);
    return { json: { item } };
  };
}

/** errand's answer to an HTTPException with a status that is not an error (204, 304, 200). */
export function expectNotAnErrorStatus(response: Awaited<ReturnType<PeerContext['client']>>, context: PeerContext): void {
  expectError(response, context, { status: 500, fastapi: { detail: hiddenDetail }, problem: { detail: hiddenDetail, code: 'ERRAND_INTERNAL' } });
}

/** HTTPException with a detail and headers, on routes of test_starlette_exception.py and the handling-errors tutorials 001-002. */
export const starletteException: PeerSuite = {
  source: `${file}, ${tutorials}/test_tutorial001.py, test_tutorial002.py`,
  app: {
    routes: [
      { method: 'GET', path: '/items/:item_id', handler: readItem({ 'X-Error': 'Some custom header' }) },
      { method: 'GET', path: '/starlette-items/:item_id', handler: readItem() },
      { method: 'GET', path: '/tutorial001/items/:item_id', handler: readItem() },
      { method: 'GET', path: '/items-header/:item_id', handler: readItem({ 'X-Error': 'There goes my error' }) },
      {
        method: 'GET',
        path: '/http-no-body-statuscode-exception',
        handler: () => {
          throw new HTTPException(204);
        },
      },
      {
        method: 'GET',
        path: '/http-no-body-statuscode-with-detail-exception',
        handler: () => {
          throw new HTTPException(204, 'I should just disappear!');
        },
      },
    ],
  },
  behaviours: [
    {
      from: `${file}::test_get_item, test_get_starlette_item; ${tutorials}/test_tutorial001.py::test_get_item; test_tutorial002.py::test_get_item_header`,
      name: 'a route that does not raise answers its body',
      check: async ({ client }) => {
        for (const path of ['/items/foo', '/starlette-items/foo', '/tutorial001/items/foo', '/items-header/foo']) expectJson(await client(path), { item: 'The Foo Wrestlers' });
      },
    },
    {
      from: `${file}::test_get_item_not_found`,
      name: 'HTTPException(404, detail, headers) sends its status, its detail and its headers',
      check: async (context) => {
        const response = await context.client('/items/bar');
        expectHttpError(response, context, 404, 'Item not found', { title: 'Not Found', instance: '/items/bar' });
        expect(response.headers['x-error']).toBe('Some custom header');
      },
    },
    {
      from: `${file}::test_get_starlette_item_not_found; ${tutorials}/test_tutorial001.py::test_get_item_not_found`,
      name: 'HTTPException without headers sends none of its own',
      check: async (context) => {
        for (const path of ['/starlette-items/bar', '/tutorial001/items/bar']) {
          const response = await context.client(path);
          expectHttpError(response, context, 404, 'Item not found');
          expect(response.headers['x-error']).toBeUndefined();
        }
      },
    },
    {
      from: `${tutorials}/test_tutorial002.py::test_get_item_not_found_header`,
      name: 'a custom header on an HTTPException reaches the client',
      check: async (context) => {
        const response = await context.client('/items-header/bar');
        expectHttpError(response, context, 404, 'Item not found');
        expect(response.headers['x-error']).toBe('There goes my error');
      },
    },
    {
      from: `${file}::test_no_body_status_code_exception_handlers`,
      name: 'HTTPException(204)',
      difference: 'HTTPException takes error statuses only',
      check: async (context) => expectNotAnErrorStatus(await context.client('/http-no-body-statuscode-exception'), context),
    },
    {
      from: `${file}::test_no_body_status_code_with_detail_exception_handlers`,
      name: 'HTTPException(204, detail)',
      difference: 'HTTPException takes error statuses only',
      check: async (context) => {
        const response = await context.client('/http-no-body-statuscode-with-detail-exception');
        expectNotAnErrorStatus(response, context);
        expect(response.text).not.toContain('disappear');
      },
    },
  ],
};
