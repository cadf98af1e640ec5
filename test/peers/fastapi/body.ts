import { expect } from 'vitest';
import { z } from 'zod';
import { expectError, expectJson, expectValidation } from '../expect-answer.js';
import type { Host, PeerContext, PeerSuite } from '../peer-app.js';
import type { PeerResponse } from '../peer-client.js';

const dir = 'fastapi tests/test_tutorial/test_body';

// docs_src/body/tutorial001: pydantic's lax mode turns "50.5" into 50.5; zod's coerce does the same.
const item = z.object({
  name: z.string(),
  description: z.string().nullable().default(null),
  price: z.coerce.number(),
  tax: z.coerce.number().nullable().default(null),
});
type Item = z.output<typeof item>;

const foo = { name: 'Foo', price: 50.5, description: null, tax: null };
const missingNameAndPrice = [
  ['body', 'name'],
  ['body', 'price'],
];

/** A body whose media type is not JSON: errand refuses it with 415 where the host checks the type. */
function expectNotJson(response: PeerResponse, context: PeerContext, answers: Record<Host, 415 | 422>): void {
  if (answers[context.host] === 422) return expectValidation(response, context, [['body']]);
  expectError(response, context, { status: 415, fastapi: { detail: expect.stringMatching(/JSON|media type|Content-Type/i) }, problem: { code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE' } });
}

export const body: PeerSuite = {
  source: `${dir}/test_tutorial001..004.py`,
  app: {
    routes: [
      { method: 'POST', path: '/items/', body: item, handler: ({ body: value }) => ({ json: value }) },
      {
        method: 'POST',
        path: '/items-with-tax/',
        body: item,
        handler: ({ body: value }) => {
          const it = value as Item;
          return { json: it.tax === null ? it : { ...it, price_with_tax: it.price + it.tax } };
        },
      },
      {
        method: 'PUT',
        path: '/items/:item_id',
        params: z.object({ item_id: z.coerce.number().int() }),
        query: z.object({ q: z.string().optional() }),
        body: item,
        handler: ({ params, query, body: value }) => ({ json: { item_id: params.item_id, ...(value as Item), ...(query.q ? { q: query.q } : {}) } }),
      },
    ],
  },
  behaviours: [
    {
      from: `${dir}/test_tutorial001.py::test_body_float`,
      name: 'a valid body is answered with the optional fields filled in',
      check: async ({ client }) => expectJson(await client('/items/', { method: 'POST', body: { name: 'Foo', price: 50.5 } }), foo),
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_with_str_float, test_post_with_str_float_description, test_post_with_str_float_description_tax`,
      name: "the schema's coercion reaches the handler: \"50.5\" is 50.5",
      check: async ({ client }) => {
        expectJson(await client('/items/', { method: 'POST', body: { name: 'Foo', price: '50.5' } }), foo);
        expectJson(await client('/items/', { method: 'POST', body: { name: 'Foo', price: '50.5', description: 'Some Foo' } }), { ...foo, description: 'Some Foo' });
        expectJson(await client('/items/', { method: 'POST', body: { name: 'Foo', price: '50.5', description: 'Some Foo', tax: 0.3 } }), { ...foo, description: 'Some Foo', tax: 0.3 });
      },
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_with_only_name`,
      name: 'a missing field is a 422 at loc ["body", "price"]',
      difference: 'The entries of a 422',
      check: async (context) => expectValidation(await context.client('/items/', { method: 'POST', body: { name: 'Foo' } }), context, [['body', 'price']]),
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_with_only_name_price`,
      name: 'a field of the wrong type is a 422 at its loc',
      difference: 'The entries of a 422',
      check: async (context) => expectValidation(await context.client('/items/', { method: 'POST', body: { name: 'Foo', price: 'twenty' } }), context, [['body', 'price']]),
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_with_no_data (and test_tutorial002, 003, 004)`,
      name: 'an empty object is one 422 naming every missing field',
      difference: 'The entries of a 422',
      check: async (context) => {
        expectValidation(await context.client('/items/', { method: 'POST', body: {} }), context, missingNameAndPrice);
        expectValidation(await context.client('/items-with-tax/', { method: 'POST', body: {} }), context, missingNameAndPrice);
        expectValidation(await context.client('/items/123', { method: 'PUT', body: {} }), context, missingNameAndPrice);
      },
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_with_none`,
      name: 'a POST with Content-Length: 0 and no Content-Type is a 422 at loc ["body"]',
      difference: 'The entries of a 422',
      check: async (context) => expectValidation(await context.client('/items/', { method: 'POST', empty: true }), context, [['body']]),
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_broken_body`,
      name: 'malformed JSON is refused before validation',
      difference: 'Malformed JSON is 400',
      check: async (context) => {
        const response = await context.client('/items/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{some broken json}' });
        expectError(response, context, { status: 400, fastapi: { detail: expect.any(String) }, problem: { code: 'ERRAND_MALFORMED_JSON' } });
      },
    },
    {
      from: `${dir}/test_tutorial001.py::test_explicit_content_type`,
      name: 'a JSON body sent as a string with Content-Type: application/json is accepted',
      check: async ({ client }) => expectJson(await client('/items/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "Foo", "price": 50.5}' }), foo),
    },
    {
      from: `${dir}/test_tutorial001.py::test_post_form_for_json`,
      name: 'a form-encoded body on a JSON route is refused',
      difference: 'A body that is not JSON',
      check: async (context) => {
        const response = await context.client('/items/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Foo&price=50.5' });
        expectNotJson(response, context, { hono: 415, fastify: 415, express: 422 });
      },
    },
    {
      from: `${dir}/test_tutorial001.py::test_geo_json`,
      name: 'a JSON body with Content-Type: application/geo+json',
      difference: 'A body that is not JSON',
      check: async (context) => {
        const response = await context.client('/items/', { method: 'POST', headers: { 'content-type': 'application/geo+json' }, body: '{"name": "Foo", "price": 50.5}' });
        if (context.host === 'hono') expectJson(response, foo);
        else expectNotJson(response, context, { hono: 415, fastify: 415, express: 422 });
      },
    },
    {
      from: `${dir}/test_tutorial001.py::test_no_content_type_json`,
      name: 'a JSON body without a Content-Type is refused',
      difference: 'A body that is not JSON',
      check: async (context) => {
        const response = await context.client('/items/', { method: 'POST', body: '{"name": "Foo", "price": 50.5}' });
        expectNotJson(response, context, { hono: 415, fastify: 415, express: 422 });
      },
    },
    {
      from: `${dir}/test_tutorial001.py::test_wrong_headers`,
      name: 'a JSON body under text/plain, application/geo+json-seq or application/not-really-json is refused',
      difference: 'A body that is not JSON',
      check: async (context) => {
        for (const type of ['text/plain', 'application/geo+json-seq', 'application/not-really-json']) {
          const response = await context.client('/items/', { method: 'POST', headers: { 'content-type': type }, body: '{"name": "Foo", "price": 50.5}' });
          expectNotJson(response, context, { hono: 415, fastify: type === 'text/plain' ? 422 : 415, express: 422 });
        }
      },
    },
    {
      from: `${dir}/test_tutorial002.py::test_post_with_tax, test_post_without_tax`,
      name: 'the handler computes from the validated, coerced body',
      check: async ({ client }) => {
        for (const price of ['50.5', 50.5]) {
          const withTax = await client('/items-with-tax/', { method: 'POST', body: { name: 'Foo', price, description: 'Some Foo', tax: 0.3 } });
          expectJson(withTax, { name: 'Foo', price: 50.5, description: 'Some Foo', tax: 0.3, price_with_tax: 50.8 });
          const without = await client('/items-with-tax/', { method: 'POST', body: { name: 'Foo', price, description: 'Some Foo' } });
          expectJson(without, { name: 'Foo', price: 50.5, description: 'Some Foo', tax: null });
        }
      },
    },
    {
      from: `${dir}/test_tutorial003.py::test_put_all, test_put_only_required`,
      name: 'path parameter and body together',
      check: async ({ client }) => {
        expectJson(await client('/items/123', { method: 'PUT', body: { name: 'Foo', price: 50.1, description: 'Some Foo', tax: 0.3 } }), { item_id: 123, name: 'Foo', price: 50.1, description: 'Some Foo', tax: 0.3 });
        expectJson(await client('/items/123', { method: 'PUT', body: { name: 'Foo', price: 50.1 } }), { item_id: 123, name: 'Foo', price: 50.1, description: null, tax: null });
      },
    },
    {
      from: `${dir}/test_tutorial004.py::test_put_all`,
      name: 'path parameter, query and body together',
      check: async ({ client }) => {
        const response = await client('/items/123?q=somequery', { method: 'PUT', body: { name: 'Foo', price: 50.1, description: 'Some Foo', tax: 0.3 } });
        expectJson(response, { item_id: 123, name: 'Foo', price: 50.1, description: 'Some Foo', tax: 0.3, q: 'somequery' });
      },
    },
  ],
};
