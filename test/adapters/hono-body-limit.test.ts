import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand, type ErrandEnv } from '../../src/adapters/hono/index.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';

// The app-wide body limit counts a chunked body as it streams: the route sees the first bytes
// while the client is still sending, and the 413 comes at the first chunk past the limit.
let server: ServerType;
let port: number;
beforeAll(async () => {
  const app = new Hono<ErrandEnv>();
  errand(app, { mode: 'production', logger: memoryLogger().logger, bodyLimit: 1024 });
  // Answers with the size of the first chunk it reads, without waiting for the rest.
  app.post('/first-chunk', async (c) => {
    const reader = c.req.raw.body!.getReader();
    const { value } = await reader.read();
    void reader.cancel().catch(() => undefined);
    return c.json({ firstChunk: value?.byteLength ?? 0 });
  });
  app.post('/whole', async (c) => c.json({ length: (await c.req.text()).length }));
  const started = new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve);
  });
  port = (await started).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Open {
  req: ClientRequest;
  response: Promise<{ status: number; body: string }>;
}

/** A chunked POST left open: the test writes its chunks and may never end it. */
function openUpload(path: string): Open {
  const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return { req, response };
}

describe('the app-wide body limit on a chunked body', () => {
  it('lets the route read the first bytes before the body has ended (nothing is buffered first)', async () => {
    const upload = openUpload('/first-chunk');
    upload.req.write('x'.repeat(100));
    // The body is never ended: a limit that buffers the body would never run the route.
    const res = await upload.response;
    upload.req.destroy();
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ firstChunk: 100 });
  });

  it('answers 413 at the first chunk past the limit, while the client is still sending', async () => {
    const upload = openUpload('/whole');
    upload.req.write('x'.repeat(600));
    upload.req.write('x'.repeat(600));
    const res = await upload.response;
    upload.req.destroy();
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ERRAND_PAYLOAD_TOO_LARGE' });
  });

  it('passes a chunked body under the limit to the route whole', async () => {
    const upload = openUpload('/whole');
    upload.req.write('x'.repeat(500));
    upload.req.end('y'.repeat(500));
    expect(await upload.response).toEqual({ status: 200, body: '{"length":1000}' });
  });
});
