import { Agent, type Server as HttpServer } from 'node:http';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve, type ErrandServer } from '../../src/adapters/hono/serve.js';
import { send } from './http-client.js';

const total = 10_000;
const concurrency = 32;
const silent = pino({ level: 'silent' });

const app = new Hono<ErrandEnv>();
const { runner } = errand(app, { mode: 'production', logger: silent });
const ran = new Set<number>();
let runs = 0;
app.post('/items/:n', (c) => {
  const n = Number(c.req.param('n'));
  c.var.background.add(async function record(id: number) {
    await Promise.resolve();
    runs++;
    ran.add(id);
  }, n);
  return c.json({ n }, 201);
});

let server: ErrandServer;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

beforeAll(async () => {
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, signals: false, logger: silent });
  port = (await server.listening).port;
  // The agent reuses idle sockets; one idle past the server's keep-alive timeout (5 s) can be closed
  // by the server just as the agent sends on it (ECONNRESET, seen at load 30). That race is HTTP
  // keep-alive's, not errand's: keep idle sockets open for the whole test.
  (server.server as HttpServer).keepAliveTimeout = 600_000;
});

afterAll(async () => {
  agent.destroy();
  await server.shutdown({ timeoutMs: 2_000 });
});

it('runs exactly one task per request across 10,000 keep-alive requests', async () => {
  const statuses = new Map<number, number>();
  let next = 0;
  async function client(): Promise<void> {
    while (next < total) {
      const n = next++;
      const { status } = await send(port, `/items/${n}`, { method: 'POST', agent });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  await runner.onIdle();
  expect(Object.fromEntries(statuses)).toEqual({ 201: total });
  expect(runs).toBe(total);
  expect(ran.size).toBe(total);
  expect(runner.stats()).toMatchObject({ added: total, started: total, succeeded: total, failed: 0, pending: 0, running: 0, rejectedRequests: 0 });
});
