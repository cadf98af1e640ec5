/**
 * A Hono app mounted on Fastify (`mount(sub)`) gets its bodies within the route's body limit, as
 * under errand on Hono and Express: Fastify applies `bodyLimit` only to bodies it parses itself, and
 * the mount hands the app the raw stream.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/fastify/errand.js';
import { mount } from '../../src/adapters/fastify/mount.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { rawRequest, sendRaw } from '../security/attack-client.js';

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = Fastify();
  errand(app, { mode: 'production', logger: memoryLogger().logger, bodyLimit: 1_000 });
  const sub = new Hono();
  sub.post('/echo', async (c) => c.json({ length: (await c.req.text()).length }));
  sub.post('/ignore', (c) => c.json({ ok: true }));
  sub.get('/page', (c) => c.text('page'));
  await app.register(mount(sub), { prefix: '/sub' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
});

function chunked(bytes: number): string {
  return `${`64\r\n${'a'.repeat(100)}\r\n`.repeat(bytes / 100)}0\r\n\r\n`;
}

describe('a Hono app mounted on Fastify', () => {
  it('reads a body within the limit, declared or chunked', async () => {
    const declared = await sendRaw(port, rawRequest('POST', '/sub/echo', { 'Content-Type': 'text/plain' }, 'a'.repeat(900)));
    expect(declared.status).toBe(200);
    expect(JSON.parse(declared.body)).toEqual({ length: 900 });
    const streamed = await sendRaw(port, rawRequest('POST', '/sub/echo', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }, chunked(900)));
    expect(streamed.status).toBe(200);
  });

  it('refuses a declared body over the limit with 413 before the app runs', async () => {
    const answer = await sendRaw(port, rawRequest('POST', '/sub/ignore', { 'Content-Type': 'text/plain', 'Content-Length': 5_000 }, 'a'.repeat(5_000)));
    expect(answer.status).toBe(413);
    expect(answer.code).toBe('ERRAND_PAYLOAD_TOO_LARGE');
  });

  it('fails the read of a chunked body past the limit with 413', async () => {
    const answer = await sendRaw(port, rawRequest('POST', '/sub/echo', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }, chunked(5_000)));
    expect(answer.status).toBe(413);
    expect(answer.code).toBe('ERRAND_PAYLOAD_TOO_LARGE');
    expect(answer.body).toContain('the request body is larger than the 1000-byte limit');
  });

  it('answers a request without a body as before', async () => {
    const answer = await sendRaw(port, rawRequest('GET', '/sub/page'));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('page');
  });
});
