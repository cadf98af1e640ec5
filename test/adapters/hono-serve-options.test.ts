/**
 * errand's Hono `serve()` takes Node's server options and a bound on the requests one connection
 * gets: each is seen from outside, over a real socket (the header Node writes, the 408 a slow client
 * gets, the connection the server closes).
 */
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { RequestIdResponse } from '../../src/adapters/hono/request-id-response.js';
import { serve, type ErrandServer, type ServeOptions } from '../../src/adapters/hono/serve.js';
import { pipelineUntilClosed } from '../support/pipelined-connection.js';
import { send } from '../tasks/http-client.js';

const silent = pino({ level: 'silent' });
let running: ErrandServer | undefined;

afterEach(async () => {
  await running?.shutdown({ timeoutMs: 2_000 });
  running = undefined;
});

/** An errand app with `GET /hello`, and `GET /response-class` naming the class of Node's response object. */
async function start(options: Partial<ServeOptions>): Promise<number> {
  const app = new Hono<ErrandEnv & { Bindings: { outgoing: object } }>();
  errand(app, { mode: 'production', logger: silent });
  app.get('/hello', (c) => c.text('hello'));
  app.get('/response-class', (c) => c.json({ requestIdResponse: c.env.outgoing instanceof RequestIdResponse }));
  running = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', signals: false, logger: silent, ...options });
  return (await running.listening).port;
}

describe('serve() with Node server options', () => {
  it("hands serverOptions to Node's server: its keep-alive timeout is the one announced to clients", async () => {
    const port = await start({ serverOptions: { keepAliveTimeout: 7_000 } });
    const agent = new Agent({ keepAlive: true });
    try {
      const response = await send(port, '/hello', { agent });
      expect(response.body).toBe('hello');
      expect(response.headers['keep-alive']).toBe('timeout=7');
    } finally {
      agent.destroy();
    }
  });

  it('answers a client that never finishes its headers with 408 ERRAND_REQUEST_TIMEOUT after the headersTimeout given', async () => {
    const port = await start({ serverOptions: { headersTimeout: 200, requestTimeout: 300, connectionsCheckingInterval: 50 } });
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      // A deadline against a hang only: Node's defaults (60 s headers, checked every 30 s) would reach it.
      const timer = setTimeout(() => socket.destroy(), 20_000);
      socket.on('error', () => undefined);
      socket.on('connect', () => socket.write('GET /hello HTTP/1.1\r\nHost: localhost\r\n'));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('ERRAND_REQUEST_TIMEOUT');
  });

  it("keeps errand's RequestIdResponse as Node's response class when serverOptions name none", async () => {
    const port = await start({ serverOptions: { keepAliveTimeout: 3_000 } });
    const response = await send(port, '/response-class');
    expect(JSON.parse(response.body)).toEqual({ requestIdResponse: true });
    expect(response.headers['x-request-id']).toBeTruthy();
  });
});

describe('serve() with maxRequestsPerSocket', () => {
  it('gives one connection at most that many answers from the app, the last one closing it, and reads nothing it pipelined past them', async () => {
    const port = await start({ maxRequestsPerSocket: 5 });
    const { heads, closedByServer } = await pipelineUntilClosed(port, '/hello', 20, 20_000);
    expect(closedByServer).toBe(true);
    expect(heads.map((head) => head.slice(0, 3))).toEqual(['200', '200', '200', '200', '200']);
    expect(heads[4]?.toLowerCase()).toContain('connection: close');
    for (const head of heads.slice(0, 4)) expect(head.toLowerCase()).not.toContain('connection: close');
  });

  it('bounds each connection on its own: a new connection gets its own answers', async () => {
    const port = await start({ maxRequestsPerSocket: 3 });
    for (let round = 0; round < 2; round++) {
      const { heads, closedByServer } = await pipelineUntilClosed(port, '/hello', 4, 20_000);
      expect(closedByServer).toBe(true);
      expect(heads.map((head) => head.slice(0, 3))).toEqual(['200', '200', '200']);
    }
  });

  it('leaves connections unbounded by default, as Node does', async () => {
    const port = await start({});
    const { heads, closedByServer } = await pipelineUntilClosed(port, '/hello', 20, 1_000);
    expect(closedByServer).toBe(false);
    expect(heads.filter((head) => head.startsWith('200'))).toHaveLength(20);
  });
});
