import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { streamText } from 'hono/streaming';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { errand, guardStream, onStreamError, validate, type ErrandEnv, type ErrandOptions } from '../../src/adapters/hono/index.js';
import { HTTPException } from '../../src/errors/index.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';

/** A small app with every kind of route the error pipeline meets, served on a real socket. */
export async function startApp(options: ErrandOptions = {}) {
  const { logger, lines } = memoryLogger();
  const app = new Hono<ErrandEnv>();
  app.use(cors({ origin: 'https://front.example' }));
  errand(app, { mode: 'production', logger, bodyLimit: 1024, ...options });
  app.get('/items/:id', validate('param', z.object({ id: z.string().regex(/^\d+$/) })), (c) => c.json({ id: c.req.valid('param').id }));
  app.post('/items', validate('json', z.object({ name: z.string().max(50), qty: z.number().int().min(1) })), (c) => c.json(c.req.valid('json'), 201));
  app.get('/search', validate('query', z.object({ q: z.string().min(1) })), (c) => c.json(c.req.valid('query')));
  app.put('/headers', validate('header', z.object({ 'x-token': z.string().length(8) })), (c) => c.text('ok'));
  app.delete('/items/:id', () => {
    throw new HTTPException(403, 'read-only');
  });
  app.get('/stream/raw', (c) => {
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) throw new Error('upstream died mid-stream');
        sent = true;
        controller.enqueue(new TextEncoder().encode('first chunk;'));
      },
    });
    return c.body(guardStream(c, source), 200, { 'content-type': 'text/plain' });
  });
  app.get('/stream/text', (c) =>
    streamText(
      c,
      async (stream) => {
        await stream.write('hello;');
        throw new Error('generator failed');
      },
      onStreamError(c),
    ),
  );
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
