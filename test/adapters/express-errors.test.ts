import type { Server } from 'node:http';
import express from 'express';
import createHttpError from 'http-errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/express/errand.js';
import { jsonResponse } from '../../src/adapters/express/json-response.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import { HTTPException } from '../../src/errors/http-exception.js';
import { hiddenDetail } from '../../src/errors/problem-from-error.js';
import type { ErrorMode } from '../../src/errors/error-mode.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { closeServer, portOf, send, generatedId } from './client.js';

class TeapotError extends Error {
  override name = 'TeapotError';
}

const { logger, lines } = memoryLogger();
const registry = createErrorRegistry({ logger });
registry.on(TeapotError, (error) => ({ status: 418, detail: `Oops! ${error.message} did something wrong.` }));

function makeApp(mode: ErrorMode) {
  const app = express();
  errand(app, { mode, registry, logger, bodyLimit: 1_000 });
  app.use(express.json());
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
  app.get('/items', (_req, res) => void res.json([]));
  app.get('/rich', (_req, res) => jsonResponse(res, { at: new Date(0), big: 10n, tags: new Set(['a']), counts: new Map([['x', 1]]) }, 203, { 'cache-control': 'no-store' }));
  app.get('/cycle', (_req, res) => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    jsonResponse(res, cyclic);
  });
  app.post('/items', (req, res) => void res.status(201).json(req.body));
  app.post('/tiny', express.text({ limit: 10 }), (_req, res) => void res.end());
  app.get('/whoami', (req, res) => {
    req.logger.info('who asked');
    res.json({ requestId: req.requestId });
  });
  app.get('/odd', async () => {
    await Promise.resolve();
    // What some libraries do; errand must not lose it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw { message: 'a plain object' };
  });
  app.get('/stream', (_req, res) => {
    res.write('partial');
    throw new Error('the source failed');
  });
  const api = express.Router();
  api.put('/things/:id', (_req, res) => void res.end());
  app.use('/api', api);
  // A whole Express app mounted under a path, with a router of its own inside.
  const admin = express();
  admin.delete('/users/:id', (_req, res) => void res.status(204).end());
  const reports = express.Router();
  reports.post('/daily', (_req, res) => void res.status(202).end());
  admin.use('/reports', reports);
  app.use('/admin', admin);
  // A sub-app with errand of its own: once mounted, its unanswered requests and errors go to the parent.
  const owned = express();
  errand(owned, { mode, registry, logger });
  owned.get('/boom', () => {
    throw new TeapotError('the sub-app');
  });
  app.use('/owned', owned);
  return app;
}

let production: Server;
let debug: Server;

beforeAll(async () => {
  production = makeApp('production').listen(0, '127.0.0.1');
  debug = makeApp('debug').listen(0, '127.0.0.1');
  await Promise.all([production, debug].map((server) => new Promise((resolve) => server.once('listening', resolve))));
});

afterAll(async () => {
  await Promise.all([closeServer(production), closeServer(debug)]);
});

describe('errand on Express: failures answered through the registry', () => {
  it('answers a thrown HTTPException as a problem with its headers and the request id', async () => {
    const response = await send(portOf(production), '/http-exception', { headers: { 'x-request-id': 'req-409' } });
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['x-request-id']).toBe('req-409');
    expect(response.json).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'already registered', instance: '/http-exception', requestId: 'req-409' });
  });

  it('sends success bodies through the encoder error bodies use, and a cycle becomes a safe 500', async () => {
    const rich = await send(portOf(production), '/rich');
    expect(rich.status).toBe(203);
    expect(rich.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(rich.headers['cache-control']).toBe('no-store');
    expect(rich.json).toEqual({ at: '1970-01-01T00:00:00.000Z', big: '10', tags: ['a'], counts: { x: 1 } });
    const cycle = await send(portOf(production), '/cycle');
    expect(cycle.status).toBe(500);
    expect(cycle.json).toMatchObject({ status: 500, code: 'ERRAND_ENCODING_FAILED' });
  });

  it('lets a handler registered for a custom class answer', async () => {
    const response = await send(portOf(production), '/teapot');
    expect(response.status).toBe(418);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 418, title: "I'm a Teapot", detail: 'Oops! the pot did something wrong.' });
  });

  it('hides an unexpected async error in production: no message, no stack', async () => {
    const response = await send(portOf(production), '/crash');
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 500, code: 'ERRAND_INTERNAL', detail: hiddenDetail });
    expect(response.json.requestId).toMatch(generatedId);
    expect(response.json).not.toHaveProperty('stack');
    expect(response.text).not.toContain('hunter2');
    expect(lines.find((line) => line.requestId === response.json.requestId && line.level === 50)).toMatchObject({ status: 500, err: { message: 'secret: the database password is hunter2' } });
  });

  it('shows the message and the stack of an unexpected error in debug mode', async () => {
    const response = await send(portOf(debug), '/crash');
    expect(response.status).toBe(500);
    expect(response.json.detail).toBe('secret: the database password is hunter2');
    expect(response.json.stack).toEqual(expect.stringContaining('Error: secret'));
  });

  it('wraps an odd throw (a plain object) into a 500 problem instead of losing it', async () => {
    const response = await send(portOf(debug), '/odd');
    expect(response.status).toBe(500);
    expect(response.json).toMatchObject({ status: 500, code: 'ERRAND_INTERNAL', detail: 'a plain object' });
  });

  it('ends a started response cleanly on a later error: no second response, the error logged', async () => {
    const response = await send(portOf(production), '/stream', { headers: { 'x-request-id': 'req-stream' } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('partial');
    expect(lines).toContainEqual(expect.objectContaining({ requestId: 'req-stream', afterHeaders: true, code: 'ERRAND_INTERNAL' }));
  });

  it('honours http-errors objects', async () => {
    const response = await send(portOf(production), '/http-errors');
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ status: 404, detail: 'no such user' });
  });

  it('answers a path no route has with a 404 problem', async () => {
    const response = await send(portOf(production), '/nowhere?x=1');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 404, code: 'ERRAND_NOT_FOUND', instance: '/nowhere' });
    expect(response.json.requestId).toBe(response.headers['x-request-id']);
  });

  it('answers 405 with Allow when the path exists for other methods, mounted routers included', async () => {
    const items = await send(portOf(production), '/items', { method: 'DELETE' });
    expect(items.status).toBe(405);
    expect(items.headers.allow).toBe('GET, HEAD, POST');
    expect(items.json).toMatchObject({ status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED' });
    const mounted = await send(portOf(production), '/api/things/7', { method: 'GET' });
    expect(mounted.status).toBe(405);
    expect(mounted.headers.allow).toBe('PUT');
  });

  it('answers what a mounted sub-app leaves unanswered through the parent, with errand installed or not on the sub-app', async () => {
    // Express keeps no reference to a sub-app (it wraps it in a closure), so its paths answer 404,
    // not 405: routes that must answer 405 belong in an express.Router().
    expect((await send(portOf(production), '/admin/users/3', { method: 'DELETE' })).status).toBe(204);
    const user = await send(portOf(production), '/admin/users/3', { method: 'GET' });
    expect(user.status).toBe(404);
    expect(user.json).toMatchObject({ status: 404, code: 'ERRAND_NOT_FOUND', instance: '/admin/users/3' });
    expect((await send(portOf(production), '/admin/reports/daily', { method: 'POST' })).status).toBe(202);
    const own = await send(portOf(production), '/owned/boom', { headers: { 'x-request-id': 'sub-1' } });
    expect(own.status).toBe(418);
    expect(own.json).toMatchObject({ status: 418, requestId: 'sub-1', instance: '/owned/boom' });
    expect((await send(portOf(production), '/owned/nothing')).json).toMatchObject({ status: 404, instance: '/owned/nothing' });
  });

  it("answers body-parser's malformed JSON with a 400 problem", async () => {
    const response = await send(portOf(production), '/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_JSON', instance: '/items' });
  });

  it("answers body-parser's unsupported charset and content encoding with a 415 problem", async () => {
    const charset = await send(portOf(production), '/items', { method: 'POST', headers: { 'content-type': 'application/json; charset=koi8-r' }, body: '{"name":"tea"}' });
    expect(charset.status).toBe(415);
    expect(charset.headers['content-type']).toBe('application/problem+json');
    expect(charset.json).toMatchObject({ status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE', detail: 'the request charset "koi8-r" is not supported' });
    const encoding = await send(portOf(production), '/items', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body: '{"name":"tea"}' });
    expect(encoding.status).toBe(415);
    expect(encoding.json).toMatchObject({ status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE', detail: 'the content encoding "x-unknown" is not supported' });
  });

  it("answers a body that does not decode with its Content-Encoding with a 400 problem, never zlib's code or message", async () => {
    for (const [encoding, body] of [['gzip', 'not gzip at all'], ['deflate', '{"name":"tea"}'], ['br', 'not brotli at all, really']] as const) {
      const response = await send(portOf(production), '/items', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect(response.status, encoding).toBe(400);
      expect(response.json, encoding).toEqual(expect.objectContaining({ status: 400, code: 'ERRAND_BAD_CONTENT_ENCODING', detail: 'the request body does not decode with its declared Content-Encoding' }));
      expect(JSON.stringify(response.json), encoding).not.toMatch(/Z_|ERR__|incorrect header check|Decompression failed/);
    }
  });

  it('refuses a body over the limit with a 413 problem before reading it', async () => {
    const response = await send(portOf(production), '/items', { method: 'POST', body: { name: 'x'.repeat(2_000) } });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' });
  });

  it("gives body-parser's own 413 errand's code", async () => {
    const response = await send(portOf(production), '/tiny', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'longer than ten bytes' });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE', detail: 'the request body is larger than the 10-byte limit' });
  });

  it('accepts a valid body', async () => {
    const response = await send(portOf(production), '/items', { method: 'POST', body: { name: 'tea' } });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ name: 'tea' });
  });
});

describe('errand on Express: request ids', () => {
  it('keeps a sane incoming X-Request-Id and binds the request logger to it', async () => {
    const response = await send(portOf(production), '/whoami', { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers['x-request-id']).toBe('abc-123');
    expect(response.json).toEqual({ requestId: 'abc-123' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'who asked', requestId: 'abc-123' }));
  });

  it('replaces a missing or unsafe id with a generated UUID', async () => {
    const unsafe = await send(portOf(production), '/whoami', { headers: { 'x-request-id': '<script>' } });
    expect(unsafe.headers['x-request-id']).toMatch(generatedId);
    expect(unsafe.json.requestId).toBe(unsafe.headers['x-request-id']);
    const missing = await send(portOf(production), '/whoami');
    expect(missing.headers['x-request-id']).toMatch(generatedId);
    expect(missing.headers['x-request-id']).not.toBe(unsafe.headers['x-request-id']);
  });
});

describe('errand on Express: its last layers', () => {
  it('still answers routes added after the first request, and 404s after them', async () => {
    const app = express();
    errand(app, { mode: 'production', registry, logger });
    app.get('/early', (_req, res) => void res.send('early'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      expect((await send(portOf(server), '/late')).status).toBe(404);
      app.get('/late', (_req, res) => void res.send('late'));
      const late = await send(portOf(server), '/late');
      expect(late.status).toBe(200);
      expect(late.text).toBe('late');
      const wrong = await send(portOf(server), '/late', { method: 'POST' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.allow).toBe('GET, HEAD');
      expect((await send(portOf(server), '/none')).json).toMatchObject({ status: 404, code: 'ERRAND_NOT_FOUND' });
    } finally {
      await closeServer(server);
    }
  });
});
