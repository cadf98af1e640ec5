import Fastify, { type FastifyInstance } from 'fastify';
import createHttpError from 'http-errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand, frameworkErrors } from '../../src/adapters/fastify/errand.js';
import { jsonResponse } from '../../src/adapters/fastify/json-response.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import type { ErrorMode } from '../../src/errors/error-mode.js';
import { HTTPException } from '../../src/errors/http-exception.js';
import { hiddenDetail } from '../../src/errors/problem-from-error.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { send, generatedId } from './client.js';

class TeapotError extends Error {
  override name = 'TeapotError';
}

const { logger, lines } = memoryLogger();
const registry = createErrorRegistry({ logger });
registry.on(TeapotError, (error) => ({ status: 418, detail: `Oops! ${error.message} did something wrong.` }));

const itemSchema = { body: { type: 'object', required: ['name', 'qty'], properties: { name: { type: 'string' }, qty: { type: 'integer' } } } };

function makeApp(mode: ErrorMode): FastifyInstance {
  const app = Fastify({ frameworkErrors });
  errand(app, { mode, registry, logger, bodyLimit: 1_000 });
  app.get('/users/:id', () => 'a user');
  app.get('/http-exception', () => {
    throw new HTTPException(409, 'already registered', { headers: { 'retry-after': '5' } });
  });
  app.get('/teapot', () => {
    throw new TeapotError('the pot');
  });
  app.get('/crash', async () => {
    await Promise.resolve();
    throw new Error('secret: the database password is hunter2');
  });
  app.get('/http-errors', () => {
    throw createHttpError(404, 'no such user');
  });
  app.get('/items', () => []);
  app.get('/rich', (_request, reply) => jsonResponse(reply, { at: new Date(0), big: 10n, tags: new Set(['a']), counts: new Map([['x', 1]]) }, 203, { 'cache-control': 'no-store' }));
  app.get('/cycle', (_request, reply) => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    return jsonResponse(reply, cyclic);
  });
  app.post('/items', { schema: itemSchema }, (request, reply) => reply.code(201).send(request.body));
  app.post('/echo', (request) => request.body);
  app.get('/whoami', (request) => {
    request.logger.info('who asked');
    return { requestId: request.requestId };
  });
  app.get('/odd', async () => {
    await Promise.resolve();
    // What some libraries do; errand must not lose it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw { message: 'a plain object' };
  });
  app.get('/stream', (_request, reply) => {
    reply.raw.write('partial');
    throw new Error('the source failed');
  });
  app.register(
    (scoped, _options, done) => {
      scoped.put('/things/:id(^\\d+)', () => ({ ok: true }));
      done();
    },
    { prefix: '/api' },
  );
  return app;
}

let production: FastifyInstance;
let debug: FastifyInstance;
let port = 0;
let debugPort = 0;

beforeAll(async () => {
  production = makeApp('production');
  debug = makeApp('debug');
  await Promise.all([production.listen({ port: 0, host: '127.0.0.1' }), debug.listen({ port: 0, host: '127.0.0.1' })]);
  port = (production.server.address() as { port: number }).port;
  debugPort = (debug.server.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.all([production.close(), debug.close()]);
});

describe('errand on Fastify: failures answered through the registry', () => {
  it('answers a thrown HTTPException as a problem with its headers and the request id', async () => {
    const response = await send(port, '/http-exception', { headers: { 'x-request-id': 'req-409' } });
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['x-request-id']).toBe('req-409');
    expect(response.json).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'already registered', instance: '/http-exception', requestId: 'req-409' });
  });

  it('sends success bodies through the encoder error bodies use, and a cycle becomes a safe 500', async () => {
    const rich = await send(port, '/rich');
    expect(rich.status).toBe(203);
    expect(rich.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(rich.headers['cache-control']).toBe('no-store');
    expect(rich.json).toEqual({ at: '1970-01-01T00:00:00.000Z', big: '10', tags: ['a'], counts: { x: 1 } });
    const cycle = await send(port, '/cycle');
    expect(cycle.status).toBe(500);
    expect(cycle.json).toMatchObject({ status: 500, code: 'ERRAND_ENCODING_FAILED' });
  });

  it('lets a handler registered for a custom class answer', async () => {
    const response = await send(port, '/teapot');
    expect(response.status).toBe(418);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 418, title: "I'm a Teapot", detail: 'Oops! the pot did something wrong.' });
  });

  it('hides an unexpected async error in production: no message, no stack', async () => {
    const response = await send(port, '/crash');
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 500, code: 'ERRAND_INTERNAL', detail: hiddenDetail });
    expect(response.json.requestId).toMatch(generatedId);
    expect(response.json).not.toHaveProperty('stack');
    expect(response.text).not.toContain('hunter2');
    expect(lines.find((line) => line.requestId === response.json.requestId && line.level === 50)).toMatchObject({ status: 500, err: { message: 'secret: the database password is hunter2' } });
  });

  it('shows the message and the stack of an unexpected error in debug mode', async () => {
    const response = await send(debugPort, '/crash');
    expect(response.status).toBe(500);
    expect(response.json.detail).toBe('secret: the database password is hunter2');
    expect(response.json.stack).toEqual(expect.stringContaining('Error: secret'));
  });

  it('wraps an odd throw (a plain object) into a 500 problem instead of losing it', async () => {
    const response = await send(debugPort, '/odd');
    expect(response.status).toBe(500);
    expect(response.json).toMatchObject({ status: 500, code: 'ERRAND_INTERNAL', detail: 'a plain object' });
  });

  it('ends a started response cleanly on a later error: no second response, the error logged', async () => {
    const response = await send(port, '/stream', { headers: { 'x-request-id': 'req-stream' } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('partial');
    expect(lines).toContainEqual(expect.objectContaining({ requestId: 'req-stream', afterHeaders: true, code: 'ERRAND_INTERNAL' }));
  });

  it('honours http-errors objects', async () => {
    const response = await send(port, '/http-errors');
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ status: 404, detail: 'no such user' });
  });

  it('answers a path no route has with a 404 problem', async () => {
    const response = await send(port, '/nowhere?x=1');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 404, code: 'ERRAND_NOT_FOUND', instance: '/nowhere' });
    expect(response.json.requestId).toBe(response.headers['x-request-id']);
  });

  it('answers 405 with Allow when the path exists for other methods, prefixed plugins included', async () => {
    const items = await send(port, '/items', { method: 'DELETE' });
    expect(items.status).toBe(405);
    expect(items.headers.allow).toBe('GET, HEAD, POST');
    expect(items.json).toMatchObject({ status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED' });
    const scoped = await send(port, '/api/things/7', { method: 'GET' });
    expect(scoped.status).toBe(405);
    expect(scoped.headers.allow).toBe('PUT');
    expect((await send(port, '/api/things/seven', { method: 'GET' })).status).toBe(404);
  });

  it("answers Fastify's malformed JSON error with a 400 problem", async () => {
    const response = await send(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_JSON', instance: '/echo' });
  });

  it("answers Fastify's schema validation with a 422 problem naming each field", async () => {
    const response = await send(port, '/items', { method: 'POST', body: { qty: 'many' } });
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ status: 422, code: 'ERRAND_VALIDATION_FAILED' });
    expect(response.json.errors).toContainEqual({ pointer: '/name', loc: ['body', 'name'], message: "must have required property 'name'", code: 'required' });
  });

  it('answers a body over the limit and an unsupported media type with problems', async () => {
    const large = await send(port, '/echo', { method: 'POST', body: { name: 'x'.repeat(2_000) } });
    expect(large.status).toBe(413);
    expect(large.json).toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' });
    const media = await send(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/x-unknown' }, body: 'x' });
    expect(media.status).toBe(415);
    expect(media.json).toMatchObject({ status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE' });
  });

  it("answers Fastify's routing errors (bad URL, too long a parameter) through the registry with frameworkErrors", async () => {
    const badUrl = await send(port, '/users/%E0%A4%A', { headers: { 'x-request-id': 'req-bad-url' } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.headers['content-type']).toBe('application/problem+json');
    expect(badUrl.headers['x-request-id']).toBe('req-bad-url');
    expect(badUrl.json).toMatchObject({ status: 400, code: 'ERRAND_BAD_URL', requestId: 'req-bad-url' });
    const long = await send(port, `/users/${'x'.repeat(200)}`);
    expect(long.status).toBe(414);
    expect(long.json).toMatchObject({ status: 414, code: 'FST_ERR_MAX_PARAM_LENGTH' });
  });

  it('accepts a valid body', async () => {
    const response = await send(port, '/items', { method: 'POST', body: { name: 'tea', qty: 2 } });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ name: 'tea', qty: 2 });
  });
});

describe('errand on Fastify: request ids', () => {
  it('keeps a sane incoming X-Request-Id and binds the request logger to it', async () => {
    const response = await send(port, '/whoami', { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers['x-request-id']).toBe('abc-123');
    expect(response.json).toEqual({ requestId: 'abc-123' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'who asked', requestId: 'abc-123' }));
  });

  it('replaces a missing or unsafe id with a generated UUID', async () => {
    const unsafe = await send(port, '/whoami', { headers: { 'x-request-id': '<script>' } });
    expect(unsafe.headers['x-request-id']).toMatch(generatedId);
    expect(unsafe.json.requestId).toBe(unsafe.headers['x-request-id']);
    const missing = await send(port, '/whoami');
    expect(missing.headers['x-request-id']).toMatch(generatedId);
    expect(missing.headers['x-request-id']).not.toBe(unsafe.headers['x-request-id']);
  });
});
