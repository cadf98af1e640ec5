/**
 * OpenAPI on Express with swagger-jsdoc, Express's usual generator: the routes are described in
 * `@openapi` comments, their bodies refer to components made by `toJsonSchema` from the very
 * schemas given to `validate`, and `withErrorResponses` adds errand's error answers. The same app
 * keeps answering errand's problems.
 */
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import express from 'express';
import swaggerJsdoc from 'swagger-jsdoc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errand } from '../../src/adapters/express/errand.js';
import { jsonResponse } from '../../src/adapters/express/json-response.js';
import { validate } from '../../src/adapters/express/validate.js';
import { toJsonSchema } from '../../src/adapters/shared/to-json-schema.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import { withErrorResponses } from '../../src/errors/openapi.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { closeServer, portOf, send } from './client.js';
import { itAnswersErrandBodyProblems } from './body-problems.js';

const Item = z.object({ name: z.string().min(1), qty: z.number().int().positive(), tags: z.array(z.string()).default([]) });
interface Category {
  name: string;
  children: Category[];
}
// A schema that refers to itself: its component keeps its $defs under an $id of its own.
const Category: z.ZodType<Category> = z.object({
  name: z.string(),
  get children() {
    return z.array(Category);
  },
});
const ItemQuery = z.object({ tag: z.string().optional(), limit: z.string().regex(/^\d+$/).optional() });

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

function makeApp() {
  const { logger } = memoryLogger();
  const app = express();
  const installed = errand(app, { mode: 'production', registry: createErrorRegistry({ logger }), logger, bodyLimit: 1_000 });

  /**
   * @openapi
   * /items:
   *   post:
   *     summary: Create an item.
   *     requestBody:
   *       required: true
   *       content:
   *         application/json:
   *           schema:
   *             $ref: '#/components/schemas/Item'
   *     responses:
   *       201:
   *         description: The item as stored.
   */
  app.post('/items', validate('json', Item), (req, res) => jsonResponse(res, req.body, 201));

  /**
   * @openapi
   * /items:
   *   get:
   *     summary: List the items.
   *     parameters:
   *       - { in: query, name: tag, schema: { type: string } }
   *       - { in: query, name: limit, schema: { type: string, pattern: '^\d+$' } }
   *     responses:
   *       200:
   *         description: The items matching the query.
   */
  app.get('/items', validate('query', ItemQuery), (req, res) => jsonResponse(res, req.valid?.query));

  /**
   * @openapi
   * /categories:
   *   post:
   *     requestBody:
   *       required: true
   *       content:
   *         application/json:
   *           schema:
   *             $ref: '#/components/schemas/Category'
   *     responses:
   *       201:
   *         description: The category tree as stored.
   */
  app.post('/categories', validate('json', Category), (req, res) => jsonResponse(res, req.body, 201));

  // Built once every route is added; the components are the schemas `validate` checks.
  const document = withErrorResponses(
    swaggerJsdoc({
      definition: { openapi: '3.1.0', info: { title: 'shop', version: '1.0.0' }, components: { schemas: { Item: toJsonSchema(Item), Category: toJsonSchema(Category) } } },
      apis: [fileURLToPath(import.meta.url)],
      failOnErrors: true,
    }) as { paths?: object; components?: object },
  );
  app.get('/openapi.json', (_req, res) => jsonResponse(res, document));
  return { app, runner: installed.runner };
}

let server: Server;
let port: number;
let drain: () => Promise<unknown>;

beforeAll(async () => {
  const { app, runner } = makeApp();
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = portOf(server);
  drain = () => runner.drain({ timeoutMs: 5_000 });
});

afterAll(async () => {
  await closeServer(server);
  await drain();
});

async function openApiDocument(): Promise<Document> {
  const response = await send(port, '/openapi.json');
  expect(response.status).toBe(200);
  return response.json as unknown as Document;
}

describe('the OpenAPI document of an Express app (swagger-jsdoc)', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = await openApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths).sort()).toEqual(['/categories', '/items']);
  });

  it('documents the body from the schema given to validate, with the body errors errand answers', async () => {
    const document = await openApiDocument();
    const createItem = document.paths['/items']?.post;
    expect(createItem?.requestBody?.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Item' });
    expect(document.components.schemas.Item).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        qty: { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        tags: { type: 'array', items: { type: 'string' }, default: [] },
      },
      required: ['name', 'qty'],
    });
    expect(Object.keys(createItem?.responses ?? {}).sort()).toEqual(['201', '400', '413', '415', '422', '500']);
    for (const status of ['400', '413', '415', '422', '500']) {
      expect(createItem?.responses[status]?.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' }, example: expect.objectContaining({ status: Number(status) }) } });
      expect(createItem?.responses[status]?.headers).toHaveProperty('X-Request-Id');
    }
    expect(document.components.schemas).toHaveProperty('ProblemDetails');
    expect(Object.keys(document.paths['/items']?.get?.responses ?? {}).sort()).toEqual(['200', '422', '500']);
  });

  it('documents a schema that refers to itself as a resource of its own, its references resolving inside it', async () => {
    const document = await openApiDocument();
    expect(document.components.schemas.Category).toEqual({
      $id: expect.stringMatching(/^urn:errand:schema:[0-9a-f]{16}$/),
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
      required: ['name', 'children'],
    });
  });
});

describe('the same Express routes answer errand’s problems', () => {
  itAnswersErrandBodyProblems(() => port);

  it('answers 422 for a bad query and hands the handler the schema’s output', async () => {
    const query = await send(port, '/items?limit=ten');
    expect(query.status).toBe(422);
    expect(query.json.errors).toEqual([expect.objectContaining({ loc: ['query', 'limit'] })]);
    const created = await send(port, '/items', { method: 'POST', body: { name: 'tea', qty: 2 } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ name: 'tea', qty: 2, tags: [] });
  });
});
