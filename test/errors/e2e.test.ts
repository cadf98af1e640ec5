import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './app-under-test.js';

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  complete: boolean;
}

/** One request on its own connection (`Connection: close`), so nothing outlives the test. */
function send(method: string, path: string, headers: Record<string, string> = {}, chunks: string[] = []): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${app.url}${path}`, { method, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('errand over a real socket', () => {
  it('answers problems with the request id, in header, body and log', async () => {
    const res = await send('DELETE', '/items/1', { 'x-request-id': 'e2e-1', origin: 'https://front.example' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['x-request-id']).toBe('e2e-1');
    expect(res.headers['access-control-allow-origin']).toBe('https://front.example');
    expect(JSON.parse(res.body)).toMatchObject({ status: 403, detail: 'read-only', requestId: 'e2e-1', instance: '/items/1' });
    expect(app.lines.some((line) => line.requestId === 'e2e-1' && line.status === 403)).toBe(true);
  });

  it('ends a raw stream cleanly when it fails after the headers went out, and logs it', async () => {
    const res = await send('GET', '/stream/raw', { 'x-request-id': 'e2e-stream' });
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    expect(res.body).toBe('first chunk;');
    const logged = app.lines.find((line) => line.requestId === 'e2e-stream' && line.level === 50);
    expect(logged).toMatchObject({ afterHeaders: true, err: { message: 'upstream died mid-stream' } });
  });

  it("ends Hono's streamText cleanly on an error with onStreamError, and logs it", async () => {
    const res = await send('GET', '/stream/text', { 'x-request-id': 'e2e-text' });
    expect(res.status).toBe(200);
    expect(res.complete).toBe(true);
    expect(res.body).toBe('hello;');
    expect(app.lines.find((line) => line.requestId === 'e2e-text' && line.level === 50)).toMatchObject({ err: { message: 'generator failed' } });
  });

  it('refuses a chunked body over the limit with 413 without reading the rest', async () => {
    const res = await send('POST', '/items', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, ['{"name":"', 'x'.repeat(2000), '"}']);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ERRAND_PAYLOAD_TOO_LARGE' });
    const declared = await send('POST', '/items', { 'content-type': 'application/json', 'content-length': '5000' }, ['x'.repeat(5000)]);
    expect(declared.status).toBe(413);
  });

  it('validates headers and path params with 422', async () => {
    const header = await send('PUT', '/headers', { 'x-token': 'short' });
    expect(header.status).toBe(422);
    expect(JSON.parse(header.body).errors[0]).toMatchObject({ pointer: '/x-token', loc: ['header', 'x-token'] });
    const param = await send('GET', '/items/abc');
    expect(JSON.parse(param.body).errors[0]).toMatchObject({ pointer: '/id', loc: ['path', 'id'] });
    expect((await send('GET', '/items/12')).body).toBe('{"id":"12"}');
  });
});
