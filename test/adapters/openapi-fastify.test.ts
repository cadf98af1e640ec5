/**
 * OpenAPI on Fastify: @fastify/swagger documents the schemas given to errand's `validate` hooks
 * (through `jsonSchemaTransform`) and `withErrorResponses` adds errand's error answers, while the
 * same routes keep answering errand's problems: Fastify's own validator never runs.
 */
import fastifySwagger from '@fastify/swagger';
import { Validator } from '@seriousme/openapi-schema-validator';
import { type } from 'arktype';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errand, frameworkErrors } from '../../src/adapters/fastify/errand.js';
import { jsonResponse } from '../../src/adapters/fastify/json-response.js';
import { jsonSchemaTransform } from '../../src/adapters/fastify/json-schema-transform.js';
import { validate } from '../../src/adapters/fastify/validate.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import { withErrorResponses } from '../../src/errors/openapi.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { send } from './client.js';
import { itAnswersErrandBodyProblems } from './body-problems.js';

const Item = z.object({ name: z.string().min(1), qty: z.number().int().positive(), tags: z.array(z.string()).default([]) });
const ItemQuery = z.object({ tag: z.string().optional(), limit: z.string().regex(/^\d+$/).optional() });
const ItemParams = type({ name: 'string > 0' });
// A named part (an OpenAPI generator would make it a component) and a schema that refers to itself.
const Address = z.object({ city: z.string() }).meta({ id: 'Address' });
const User = z.object({ home: Address, work: Address.optional() });
interface Category {
  name: string;
  children: Category[];
}
const Category: z.ZodType<Category> = z.object({
  name: z.string(),
  get children() {
    return z.array(Category);
  },
});
// A part the route documents itself is kept as it is.
const ownHeaders = { type: 'object', properties: { 'x-shop': { type: 'string' } } };

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  const { logger } = memoryLogger();
  app = Fastify({ frameworkErrors });
  errand(app, { mode: 'production', registry: createErrorRegistry({ logger }), logger, bodyLimit: 1_000 });
  // Registered before the routes: @fastify/swagger collects them as they are added.
  await app.register(fastifySwagger, { openapi: { openapi: '3.1.0', info: { title: 'shop', version: '1.0.0' } }, transform: jsonSchemaTransform });
  app.post('/items', { preValidation: validate('json', Item) }, (request, reply) => jsonResponse(reply, request.body, 201));
  app.get('/items', { preValidation: [validate('query', ItemQuery)] }, (request, reply) => jsonResponse(reply, request.valid?.query));
  app.get('/items/:name', { preHandler: validate('param', ItemParams), schema: { headers: ownHeaders } }, (request, reply) => jsonResponse(reply, request.valid?.param));
  app.post('/users', { preValidation: validate('json', User) }, (request, reply) => jsonResponse(reply, request.body, 201));
  app.post('/categories', { preValidation: validate('json', Category) }, (request, reply) => jsonResponse(reply, request.body, 201));
  app.put('/categories', { preValidation: validate('json', Category) }, (request, reply) => jsonResponse(reply, request.body));
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => jsonResponse(reply, withErrorResponses(app.swagger())));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  await app.close();
});

async function openApiDocument(): Promise<Document> {
  const response = await send(port, '/openapi.json');
  expect(response.status).toBe(200);
  return response.json as unknown as Document;
}

describe('the OpenAPI document of a Fastify app', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = await openApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths).sort()).toEqual(['/categories', '/items', '/items/{name}', '/users']);
  });

  it('documents the body from the schema given to validate, with the body errors errand answers', async () => {
    const createItem = (await openApiDocument()).paths['/items']?.post;
    expect(createItem?.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              name: { type: 'string', minLength: 1 },
              qty: { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER },
              tags: { type: 'array', items: { type: 'string' }, default: [] },
            },
            required: ['name', 'qty'],
          },
        },
      },
    });
    for (const status of ['400', '413', '415', '422', '500']) {
      expect(createItem?.responses[status]?.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' }, example: expect.objectContaining({ status: Number(status) }) } });
      expect(createItem?.responses[status]?.headers).toHaveProperty('X-Request-Id');
    }
    expect((await openApiDocument()).components.schemas).toHaveProperty('ProblemDetails');
  });

  it('documents query and path parameters from validate, keeping a part the route documents itself', async () => {
    const document = await openApiDocument();
    const listItems = document.paths['/items']?.get;
    expect(listItems?.parameters).toEqual([
      { in: 'query', name: 'tag', required: false, schema: { type: 'string' } },
      { in: 'query', name: 'limit', required: false, schema: { type: 'string', pattern: '^\\d+$' } },
    ]);
    expect(Object.keys(listItems?.responses ?? {}).sort()).toEqual(['200', '422', '500']);
    const getItem = document.paths['/items/{name}']?.get;
    expect(getItem?.parameters).toEqual([
      { in: 'path', name: 'name', required: true, schema: { type: 'string', minLength: 1 } },
      { in: 'header', name: 'x-shop', required: false, schema: { type: 'string' } },
    ]);
  });
});

function resolve(document: Document, ref: unknown): unknown {
  expect(ref).toMatch(/^#\/components\/schemas\//);
  return document.components.schemas[String(ref).slice('#/components/schemas/'.length)];
}

describe('named and recursive schemas in the Fastify document', () => {
  it('makes a named part a component, where a #/$defs reference inside the document would miss', async () => {
    const document = await openApiDocument();
    const createUser = document.paths['/users']?.post;
    expect(createUser?.requestBody?.content['application/json'].schema).toEqual({
      type: 'object',
      properties: { home: { $ref: '#/components/schemas/Address' }, work: { $ref: '#/components/schemas/Address' } },
      required: ['home'],
    });
    expect(document.components.schemas.Address).toEqual({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
  });

  it('puts a schema that refers to itself in components.schemas once, for every route that takes it', async () => {
    const document = await openApiDocument();
    const created = document.paths['/categories']?.post?.requestBody?.content['application/json'].schema;
    expect(document.paths['/categories']?.put?.requestBody?.content['application/json'].schema).toEqual(created);
    const category = resolve(document, created?.$ref) as { properties: { children: { items: { $ref: string } } } };
    expect(category).toMatchObject({ type: 'object', properties: { name: { type: 'string' }, children: { type: 'array' } }, required: ['name', 'children'] });
    expect(resolve(document, category.properties.children.items.$ref)).toBe(category);
    const nested = await send(port, '/categories', { method: 'POST', body: { name: 'tea', children: [{ name: 'green', children: [{ name: 7 }] }] } });
    expect(nested.status).toBe(422);
    expect((nested.json.errors as { pointer: string }[]).map((error) => error.pointer).sort()).toEqual(['/children/0/children/0/children', '/children/0/children/0/name']);
  });
});

describe('the same routes still answer errand’s problems, not Fastify’s validator', () => {
  itAnswersErrandBodyProblems(() => port);

  it('answers 422 for a bad query and a bad path parameter', async () => {
    const query = await send(port, '/items?limit=ten');
    expect(query.status).toBe(422);
    expect(query.json.errors).toEqual([expect.objectContaining({ loc: ['query', 'limit'] })]);
    const param = await send(port, '/items/');
    expect(param.status).toBe(422);
    expect(param.json.errors).toEqual([expect.objectContaining({ loc: ['path', 'name'] })]);
  });

  it('hands the handler the schema’s output, untouched by ajv (no coercion, defaults from the schema)', async () => {
    const created = await send(port, '/items', { method: 'POST', body: { name: 'tea', qty: 2, extra: true } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ name: 'tea', qty: 2, tags: [] });
    // ajv, as Fastify configures it, would coerce "2" to 2; errand's schema says a string is not a number.
    const coerced = await send(port, '/items', { method: 'POST', body: { name: 'tea', qty: '2' } });
    expect(coerced.status).toBe(422);
    const listed = await send(port, '/items?tag=green&limit=5');
    expect(listed.json).toEqual({ tag: 'green', limit: '5' });
  });
});
