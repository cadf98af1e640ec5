import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { errand, serve, type ErrandEnv, type ErrandServer } from '../../src/adapters/hono/index.js';
import { RequestIdResponse } from '../../src/adapters/hono/request-id-response.js';
import { HTTPException } from '../../src/errors/http-exception.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

function send(port: number, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const headerValues = (res: RawResponse, lowerName: string): string[] => res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1].toLowerCase() === lowerName);
const idHeaders = (res: RawResponse): string[] => headerValues(res, 'x-request-id');

let running: ErrandServer | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await running?.shutdown({ timeoutMs: 1_000 });
  running = undefined;
  await new Promise<void>((resolve) => (raw === undefined ? resolve() : raw.close(() => resolve())));
  raw = undefined;
});

async function start(): Promise<number> {
  const app = new Hono<ErrandEnv>();
  const { registry } = errand(app, { logger: pino({ level: 'silent' }) });
  registry.on(404, (_error, { c }) => c.json({ error: 'nothing here' }, 404));
  app.get('/items/:name', (c) => c.json({ name: c.req.param('name') }));
  app.get('/teapot', () => {
    throw new HTTPException(418, 'short and stout');
  });
  app.get('/own-id', (c) => c.json({ ok: true }, 200, { 'X-Request-Id': 'set-by-the-app' }));
  app.get('/set-header-first', (c) => {
    (c.env as { outgoing: ServerResponse }).outgoing.setHeader('x-custom', 'early');
    return c.text('ok');
  });
  running = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', signals: false, logger: pino({ level: 'silent' }) });
  return (await running.listening).port;
}

describe('the request id written by RequestIdResponse (what serve() uses)', () => {
  it('puts exactly one X-Request-Id on plain, error and not-found responses', async () => {
    const port = await start();
    const ok = await send(port, '/items/a', { 'x-request-id': 'abc-1' });
    expect(ok.status).toBe(200);
    expect(idHeaders(ok)).toEqual(['abc-1']);
    const teapot = await send(port, '/teapot', { 'x-request-id': 'abc-2' });
    expect(teapot.status).toBe(418);
    expect(idHeaders(teapot)).toEqual(['abc-2']);
    expect(JSON.parse(teapot.body)).toMatchObject({ requestId: 'abc-2', detail: 'short and stout' });
    const missing = await send(port, '/nowhere');
    expect(missing.status).toBe(404);
    const [generated] = idHeaders(missing);
    expect(generated).toMatch(/^[0-9a-z]{13}-\d+$/);
    expect(idHeaders(missing)).toHaveLength(1);
  });

  it('replaces an insane incoming id and lets a header the app set itself win', async () => {
    const port = await start();
    const insane = await send(port, '/items/a', { 'x-request-id': 'a b<script>' });
    expect(idHeaders(insane)[0]).toMatch(/^[0-9a-z]{13}-\d+$/);
    const own = await send(port, '/own-id', { 'x-request-id': 'from-client' });
    expect(idHeaders(own)).toEqual(['set-by-the-app']);
  });

  it('adds the id when the app set headers one by one before writeHead', async () => {
    const port = await start();
    const res = await send(port, '/set-header-first', { 'x-request-id': 'abc-3' });
    expect(res.headers['x-custom']).toBe('early');
    expect(idHeaders(res)).toEqual(['abc-3']);
  });

  it('merges the id into every writeHead form: no headers, an object, a raw array, a reason phrase, an undefined one, an implicit head', async () => {
    raw = createServer({ ServerResponse: RequestIdResponse }, (req, res) => {
      const response = res as RequestIdResponse;
      response.requestIdHeader = 'X-Request-Id';
      response.requestId = `id-${req.url?.slice(1) ?? ''}`;
      const shared = { 'content-type': 'text/plain' };
      if (req.url === '/none') response.writeHead(204);
      else if (req.url === '/object') response.writeHead(200, shared);
      else if (req.url === '/array') response.writeHead(200, ['content-type', 'text/plain', 'x-extra', '1']);
      else if (req.url === '/reason') response.writeHead(200, 'Fine', shared);
      // Node reads headers from the third argument when the reason is undefined.
      else if (req.url === '/undefined-reason') response.writeHead(200, undefined, { 'x-extra': '2' });
      else response.statusCode = 202;
      response.end();
      // The caller's object is not modified: it may be shared between responses.
      if (Object.keys(shared).length !== 1) throw new Error('writeHead modified the caller headers');
    });
    await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    for (const path of ['none', 'object', 'array', 'reason', 'undefined-reason', 'implicit']) {
      const res = await send(port, `/${path}`);
      expect(idHeaders(res), path).toEqual([`id-${path}`]);
    }
    const array = await send(port, '/array');
    expect(array.headers['x-extra']).toBe('1');
    expect((await send(port, '/undefined-reason')).headers['x-extra']).toBe('2');
  });

  it('treats a header of the same name in any case as set by the app, whatever its first character', async () => {
    raw = createServer({ ServerResponse: RequestIdResponse }, (req, res) => {
      const response = res as RequestIdResponse;
      const underscore = req.url === '/underscore';
      response.requestIdHeader = underscore ? '_Trace-Id' : 'X-Request-Id';
      response.requestId = 'from-errand';
      // Same length as the id header, different name: must not be taken for it.
      const headers = underscore ? { '_TRACE-ID': 'from-app' } : req.url === '/mixed' ? { 'x-REQUEST-id': 'from-app' } : { 'Content-Type': 'text/plain' };
      response.writeHead(200, headers);
      response.end();
    });
    await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    expect(idHeaders(await send(port, '/mixed'))).toEqual(['from-app']);
    const other = await send(port, '/other');
    expect([idHeaders(other), other.headers['content-type']]).toEqual([['from-errand'], 'text/plain']);
    const underscore = await send(port, '/underscore');
    expect(headerValues(underscore, '_trace-id')).toEqual(['from-app']);
  });

  it('writes no id on a response errand did not handle', async () => {
    raw = createServer({ ServerResponse: RequestIdResponse }, (_req, res) => res.end('plain'));
    await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
    const res = await send((raw.address() as AddressInfo).port, '/');
    expect(res.body).toBe('plain');
    expect(idHeaders(res)).toEqual([]);
  });
});
