import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ErrandError } from './errand-error.js';
import type { HandleInput } from './error-handler.js';
import { createErrorRegistry } from './error-registry.js';
import { HTTPException } from './http-exception.js';
import { errorResponses, fastApiErrorSchema, problemDetailsSchema, withErrorResponses, type OpenApiDocumentLike } from './openapi.js';
import type { ProblemFormat } from './render-problem.js';
import { memoryLogger } from '../testing/memory-logger.js';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
const validProblem = ajv.compile(problemDetailsSchema);
const validFastApi = ajv.compile(fastApiErrorSchema);

function input(mode: 'production' | 'debug', format?: ProblemFormat): HandleInput {
  return { request: new Request('http://local/items/7', { method: 'POST' }), requestId: 'req-1', mode, extra: {}, ...(format === undefined ? {} : { format }) };
}

// What errand really sends for the errors users meet most: the schema must describe these bodies.
const thrown = (): unknown[] => [
  new HTTPException(404),
  new HTTPException(418, 'Oops! the pot did something wrong.'),
  new ErrandError('ERRAND_METHOD_NOT_ALLOWED', 'POST is not allowed on /items/7', { headers: { Allow: 'GET' } }),
  new ErrandError('ERRAND_VALIDATION_FAILED', 'the body is invalid', {
    errors: [{ pointer: '/items/0/price', loc: ['body', 'items', 0, 'price'], message: 'Too small', code: 'too_small' }],
  }),
  new Error('secret: the database password is hunter2'),
  'a thrown string',
];

async function bodies(mode: 'production' | 'debug', format?: ProblemFormat): Promise<unknown[]> {
  const registry = createErrorRegistry({ logger: memoryLogger().logger });
  return Promise.all(thrown().map(async (error) => (await registry.handle(error, input(mode, format))).json() as Promise<unknown>));
}

describe('problemDetailsSchema', () => {
  it('describes the bodies errand sends, in production and in debug mode', async () => {
    for (const body of [...(await bodies('production')), ...(await bodies('debug'))]) {
      expect(validProblem(body), JSON.stringify(validProblem.errors)).toBe(true);
    }
  });

  it('rejects what is not a problem', () => {
    expect(validProblem({ detail: 'no type, title or status' })).toBe(false);
    expect(validProblem({ type: 'about:blank', title: 'OK', status: 200 })).toBe(false);
  });
});

describe('fastApiErrorSchema', () => {
  it("describes the bodies of format: 'fastapi', a 422's list included", async () => {
    const sent = await bodies('production', 'fastapi');
    expect(sent).toContainEqual({ detail: [{ loc: ['body', 'items', 0, 'price'], msg: 'Too small', type: 'too_small' }] });
    for (const body of sent) expect(validFastApi(body), JSON.stringify(validFastApi.errors)).toBe(true);
  });
});

describe('errorResponses', () => {
  it('gives each status its reason, body schema and the headers errand sends with it', () => {
    const responses = errorResponses([404, 405, 503]);
    expect(Object.keys(responses)).toEqual(['404', '405', '503']);
    expect(responses['404']).toEqual({
      description: 'Not Found',
      headers: { 'X-Request-Id': expect.objectContaining({ schema: { type: 'string' } }) },
      content: {
        'application/problem+json': {
          schema: { $ref: '#/components/schemas/ProblemDetails' },
          example: { type: 'about:blank', title: 'Not Found', status: 404, code: 'ERRAND_NOT_FOUND', requestId: expect.any(String) },
        },
      },
    });
    expect(Object.keys(responses['405'].headers)).toEqual(['X-Request-Id', 'Allow']);
    expect(Object.keys(responses['503'].headers)).toEqual(['X-Request-Id', 'Retry-After']);
  });

  it('gives each status an example of its own: its status and reason, errand\'s code only where errand raises it, field errors on a 422', () => {
    const responses = errorResponses([418, 422, 500, 503]);
    const example = (status: number): unknown => responses[String(status)]?.content['application/problem+json']?.example;
    // An app's own status: errand does not know its code.
    expect(example(418)).toEqual({ type: 'about:blank', title: "I'm a Teapot", status: 418, requestId: expect.any(String) });
    expect(example(422)).toMatchObject({ status: 422, title: 'Unprocessable Content', code: 'ERRAND_VALIDATION_FAILED', errors: [{ pointer: '/email', loc: ['body', 'email'], message: expect.any(String), code: expect.any(String) }] });
    expect(example(500)).toMatchObject({ status: 500, title: 'Internal Server Error', code: 'ERRAND_INTERNAL' });
    expect(example(500)).not.toHaveProperty('errors');
    expect(example(503)).toMatchObject({ status: 503, code: 'ERRAND_BACKEND_UNAVAILABLE' });
    // Every example carries the fields the schema requires.
    for (const status of [418, 422, 500, 503]) expect(Object.keys(example(status) as object)).toEqual(expect.arrayContaining(['type', 'title', 'status']));
  });

  it("follows the app's format: FastAPI's body, or the app's own schema inline", () => {
    const fastapi = errorResponses([404, 422], { format: 'fastapi' });
    expect(fastapi['422'].content).toEqual({
      'application/json': {
        schema: { $ref: '#/components/schemas/HTTPValidationError' },
        example: { detail: [{ loc: ['body', 'email'], msg: 'Invalid email address', type: 'invalid_format' }] },
      },
    });
    expect(fastapi['404'].content['application/json']?.example).toEqual({ detail: 'Not Found' });
    const own = { type: 'object', properties: { error: { type: 'string' } } };
    expect(errorResponses([404], { schema: own, ref: false })['404'].content).toEqual({ 'application/json': { schema: own } });
  });
});

describe('withErrorResponses', () => {
  const document = {
    openapi: '3.1.0',
    info: { title: 'seed', version: '1' },
    paths: {
      '/items/{name}': {
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: { responses: { '200': { description: 'the item' }, '418': { description: 'a teapot' } } },
      },
      '/register': {
        post: {
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
          responses: { '201': { description: 'registered' }, '422': { description: 'my own 422' } },
        },
      },
      '/health': { get: {} },
    },
  } satisfies OpenApiDocumentLike & Record<string, unknown>;

  it("adds to each operation the errors errand answers for it, keeping the document's own", () => {
    const result = withErrorResponses(document, { always: [500, 503] });
    const items = result.paths['/items/{name}'].get.responses as Record<string, { description: string }>;
    expect(Object.keys(items).sort()).toEqual(['200', '418', '422', '500', '503']);
    expect(items['418']).toEqual({ description: 'a teapot' });
    const register = result.paths['/register'].post.responses as Record<string, { description: string }>;
    expect(Object.keys(register).sort()).toEqual(['201', '400', '413', '415', '422', '500', '503']);
    expect(register['422']).toEqual({ description: 'my own 422' });
    expect(register['413'].description).toBe('Content Too Large');
    expect(Object.keys((result.paths['/health'].get as { responses: object }).responses).sort()).toEqual(['500', '503']);
    expect(result.components?.schemas).toEqual({ ProblemDetails: problemDetailsSchema });
  });

  it("takes documents typed with a generator's own interfaces, and names the app's request id header", () => {
    // As openapi3-ts types them: interfaces, without index signatures.
    interface OperationObject {
      responses?: { [status: string]: { description: string } };
      requestBody?: { content: Record<string, object> };
    }
    interface PathItemObject {
      get?: OperationObject;
      post?: OperationObject;
    }
    interface OpenAPIObject {
      openapi: string;
      info: { title: string; version: string };
      paths?: { [path: string]: PathItemObject };
    }
    const typed: OpenAPIObject = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/ping': { get: { responses: { '200': { description: 'pong' } } } } } };
    const result = withErrorResponses(typed, { requestIdHeader: 'X-Correlation-Id' });
    const responses = result.paths?.['/ping']?.get?.responses as Record<string, { headers?: object }>;
    expect(Object.keys(responses['500'].headers ?? {})).toEqual(['X-Correlation-Id']);
    expect(result.openapi).toBe('3.1.0');
  });

  it('leaves the given document as it was', () => {
    const before = structuredClone(document);
    withErrorResponses(document);
    expect(document).toEqual(before);
  });

  it('gives a document every $ref of which resolves, as a validator reads it', () => {
    const result = withErrorResponses(document);
    const refs = JSON.stringify(result).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const name = ref.slice('"#/components/schemas/'.length, -1);
      expect(result.components?.schemas).toHaveProperty(name);
    }
  });

  it("puts the app's own schema under components.schemas.Error, or in each response with ref: false", () => {
    const own = { type: 'object', properties: { error: { type: 'string' } } };
    expect(withErrorResponses(document, { schema: own }).components.schemas).toEqual({ Error: own });
    const inline = withErrorResponses(document, { schema: own, ref: false });
    expect(inline.components.schemas).toEqual({});
    expect((inline.paths['/health'].get as { responses: Record<string, { content: object }> }).responses['500'].content).toEqual({ 'application/json': { schema: own } });
  });

  it('skips path items and operations a generator left empty', () => {
    const sparse = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/gone': undefined, '/ping': { get: null, post: { responses: {} } } } };
    const result = withErrorResponses(sparse as unknown as OpenApiDocumentLike);
    expect(result.paths).toEqual({ '/gone': undefined, '/ping': { get: null, post: { responses: expect.objectContaining({ '500': expect.any(Object) }) } } });
  });

  it('gives the 422 only to operations that really have parameters', () => {
    const empty = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/ping': { parameters: [], get: { parameters: [], responses: {} } } } } satisfies OpenApiDocumentLike & Record<string, unknown>;
    expect(Object.keys(withErrorResponses(empty).paths['/ping'].get.responses)).toEqual(['500']);
  });
});
