import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HTTPException } from '../../errors/http-exception.js';
import { memoryLogger } from '../../testing/memory-logger.js';
import { errand, type ErrandOptions } from './errand.js';
import type { ErrandEnv } from './errand-env.js';
import { jsonResponse } from './json-response.js';
import { validate } from './validate.js';

class MyCustomException extends Error {
  constructor(readonly who: string) {
    super(`${who} failed`);
  }
}

function makeApp(options: ErrandOptions = {}) {
  const { logger, lines } = memoryLogger();
  const app = new Hono<ErrandEnv>();
  app.use(cors({ origin: 'https://front.example' }));
  const installed = errand(app, { mode: 'production', logger, ...options });
  app.get('/test/:name', (c) => {
    if (c.req.param('name') === 'error') throw new MyCustomException('error');
    return c.json({ name: c.req.param('name') });
  });
  app.get('/boom', () => {
    throw new Error('secret internals');
  });
  app.get('/caused', () => {
    throw new Error('the order could not be saved', { cause: new Error('connection refused') });
  });
  app.get('/conflict', () => {
    throw new HTTPException(409, 'already registered', { extensions: { at: new Date(0), attempts: 10n, tags: new Set(['a']) } });
  });
  app.get('/throw/:kind', (c) => {
    const kind = c.req.param('kind');
    /* eslint-disable @typescript-eslint/only-throw-error -- odd throws are what this route tests */
    if (kind === 'string') throw 'a string';
    if (kind === 'object') throw { weird: true };
    if (kind === 'undefined') throw undefined;
    /* eslint-enable @typescript-eslint/only-throw-error */
    throw new AggregateError([new Error('a'), new Error('b')], 'two failures');
  });
  app.post('/items', validate('json', z.object({ name: z.string(), qty: z.number().int() })), (c) => c.json(c.req.valid('json'), 201));
  app.get('/search', validate('query', z.object({ q: z.string().min(2) })), (c) => c.json(c.req.valid('query')));
  app.get('/rich', (c) => jsonResponse(c, { at: new Date(0), big: 10n, tags: new Set(['a']) }));
  app.get('/cycle', (c) => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    return jsonResponse(c, cyclic);
  });
  app.get('/id', (c) => c.text(c.var.requestId));
  return { app, lines, ...installed };
}

describe('errand on Hono', () => {
  it('answers a custom exception through a class handler (the seed 418) and a custom 404 in one registration', async () => {
    const { app, registry } = makeApp();
    registry.on(MyCustomException, (error) => Response.json({ message: `Oops! ${error.who} did something wrong.` }, { status: 418 }));
    registry.on(404, (_error, { c }) => c.json({ error: 'nothing here' }, 404));
    const teapot = await app.request('/test/error');
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ message: 'Oops! error did something wrong.' });
    expect(await (await app.request('/test/ok')).json()).toEqual({ name: 'ok' });
    const missing = await app.request('/nowhere');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'nothing here' });
    expect(missing.headers.get('x-request-id')).toBeTruthy();
  });

  it('gives one part of the app its own 404 by declining elsewhere', async () => {
    const { app, registry } = makeApp();
    registry.on(404, (_error, { c }) => (c.req.path.startsWith('/docs/') ? c.html('<h1>No such page</h1>', 404) : undefined));
    const page = await app.request('/docs/missing');
    expect([page.status, page.headers.get('content-type'), await page.text()]).toEqual([404, 'text/html; charset=UTF-8', '<h1>No such page</h1>']);
    const api = await app.request('/api/missing');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
    expect(await api.json()).toMatchObject({ code: 'ERRAND_NOT_FOUND', instance: '/api/missing' });
  });

  it('answers 405 with Allow when the path exists under another method', async () => {
    const { app } = makeApp();
    const res = await app.request('/items', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED' });
    expect((await app.request('/test/x', { method: 'PUT' })).headers.get('allow')).toBe('GET, HEAD');
  });

  it('hides 5xx internals in production and logs them with the request id', async () => {
    const { app, lines } = makeApp();
    const res = await app.request('/boom', { headers: { 'x-request-id': 'trace-42' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('x-request-id')).toBe('trace-42');
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ requestId: 'trace-42', code: 'ERRAND_INTERNAL', instance: '/boom' });
    expect(lines.find((line) => line.level === 50)).toMatchObject({ requestId: 'trace-42', err: { message: 'secret internals' } });
  });

  it('shows message, stack and cause in debug mode', async () => {
    const { app } = makeApp({ mode: 'debug' });
    const body = await (await app.request('/boom')).json();
    expect(body.detail).toBe('secret internals');
    expect(body.stack).toContain('Error: secret internals');
    const caused = await (await app.request('/caused')).json();
    expect(caused.cause).toMatchObject({ name: 'Error', message: 'connection refused' });
    const production = await (await makeApp().app.request('/caused')).json();
    expect(production).not.toHaveProperty('cause');
    expect(production).not.toHaveProperty('stack');
  });

  it('encodes error bodies with the same encoder as success bodies', async () => {
    const { app } = makeApp();
    const res = await app.request('/conflict');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ status: 409, detail: 'already registered', at: '1970-01-01T00:00:00.000Z', attempts: '10', tags: ['a'] });
  });

  it('coerces strings, plain objects, undefined and AggregateError into problems, never lost', async () => {
    const { app, lines } = makeApp();
    for (const kind of ['string', 'object', 'undefined', 'aggregate']) {
      const res = await app.request(`/throw/${kind}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const messages = lines.filter((line) => line.level === 50).map((line) => (line.err as { message: string }).message);
    expect(messages).toEqual(['a string', 'a non-error object was thrown: {"weird":true}', 'undefined was thrown', 'two failures']);
  });

  it('keeps CORS headers from outer middleware on error responses', async () => {
    const { app } = makeApp();
    for (const path of ['/boom', '/nowhere', '/throw/string']) {
      const res = await app.request(path, { headers: { origin: 'https://front.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://front.example');
    }
  });

  it('validates body and query: 422 with pointers and loc, 400 for malformed JSON, 415 for another type', async () => {
    const { app } = makeApp();
    const invalid = await app.request('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":1,"qty":1.5}' });
    expect(invalid.status).toBe(422);
    const body = await invalid.json();
    expect(body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/name', '/qty']);
    expect(body.errors[0].loc[0]).toBe('body');
    const ok = await app.request('/items', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"name":"a","qty":2}' });
    expect(ok.status).toBe(201);
    const malformed = await app.request('/items', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-400' }, body: '{"name":' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    expect(await malformed.json()).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_JSON', requestId: 'req-400', instance: '/items' });
    const wrongType = await app.request('/items', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-request-id': 'req-415' }, body: 'hi' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toBe('application/problem+json');
    expect(await wrongType.json()).toMatchObject({ status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE', requestId: 'req-415', instance: '/items' });
    const query = await app.request('/search?q=a');
    expect(query.status).toBe(422);
    expect((await query.json()).errors[0]).toMatchObject({ pointer: '/q', loc: ['query', 'q'] });
  });

  it('refuses a declared body over the limit with 413 before reading it', async () => {
    const { app } = makeApp({ bodyLimit: 10 });
    const res = await app.request('/items', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '11' }, body: '{"name":"x"}' });
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe('ERRAND_PAYLOAD_TOO_LARGE');
  });

  it('keeps a sane incoming request id and replaces an insane one', async () => {
    const { app } = makeApp();
    expect(await (await app.request('/id', { headers: { 'x-request-id': 'abc.DEF_1:2-3' } })).text()).toBe('abc.DEF_1:2-3');
    const replaced = await (await app.request('/id', { headers: { 'x-request-id': 'x'.repeat(129) } })).text();
    expect(replaced).toMatch(/^[0-9a-z]{13}-\d+$/);
    expect(await (await app.request('/id', { headers: { 'x-request-id': 'a b' } })).text()).not.toBe('a b');
  });

  it('encodes success bodies with jsonable, and a cycle becomes a safe 500', async () => {
    const { app } = makeApp();
    expect(await (await app.request('/rich')).json()).toEqual({ at: '1970-01-01T00:00:00.000Z', big: '10', tags: ['a'] });
    const cycle = await app.request('/cycle');
    expect(cycle.status).toBe(500);
    expect(await cycle.json()).toMatchObject({ code: 'ERRAND_ENCODING_FAILED' });
  });

  it("switches the envelope: FastAPI's detail, or the seed's {error} with one option", async () => {
    const fastapi = makeApp({ format: 'fastapi' });
    const res = await fastapi.app.request('/search?q=a');
    expect(await res.json()).toEqual({ detail: [{ loc: ['query', 'q'], msg: expect.any(String), type: 'too_small' }] });
    const seed = makeApp({ format: (problem) => ({ error: problem.detail }) });
    expect(await (await seed.app.request('/test/x', { method: 'POST' })).json()).toEqual({ error: 'POST is not allowed on /test/x; allowed: GET, HEAD' });
  });

  it('calls a formatter that throws once per problem on a route miss, as on a thrown error', async () => {
    for (const mode of ['production', 'debug'] as const) {
      const seen: number[] = [];
      const { app } = makeApp({
        mode,
        format: (problem) => {
          seen.push(problem.status);
          throw new Error('the formatter broke');
        },
      });
      app.get('/gone', () => {
        throw new HTTPException(404, 'no route matches GET /gone');
      });
      const thrown = await app.request('/gone');
      const thrownSeen = seen.splice(0);
      for (const [path, method, status] of [['/nowhere', 'GET', 404], ['/test/x', 'POST', 405]] as const) {
        const missed = await app.request(path, { method });
        expect([mode, path, seen.splice(0)]).toEqual([mode, path, [status, ...thrownSeen.slice(1)]]);
        expect([missed.status, (await missed.json()) as unknown]).toEqual([thrown.status, expect.objectContaining({ code: 'ERRAND_HANDLER_FAILED' })]);
      }
      expect(thrownSeen).toEqual([404, 500]);
    }
  });

  it("honours HTTPException's headers", async () => {
    const { app } = makeApp();
    app.get('/slow', () => {
      throw new HTTPException(429, 'slow down', { headers: { 'Retry-After': '7' } });
    });
    const res = await app.request('/slow');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });
});
