/**
 * The rest of the one surface on Fastify and Express, over real sockets: the dashboard mounted under
 * a prefix (page, assets and API found relative to the page), HTTP metrics by route pattern, and
 * `validate` on the query and path params.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errand as expressErrand } from '../../src/adapters/express/errand.js';
import { httpMetrics as expressMetrics } from '../../src/adapters/express/http-metrics.js';
import { mount as expressMount } from '../../src/adapters/express/mount.js';
import { validate as expressValidate } from '../../src/adapters/express/validate.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import { httpMetrics as fastifyMetrics } from '../../src/adapters/fastify/http-metrics.js';
import { mount as fastifyMount } from '../../src/adapters/fastify/mount.js';
import { validate as fastifyValidate } from '../../src/adapters/fastify/validate.js';
import { errand as honoErrand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve as honoServe } from '../../src/adapters/hono/serve.js';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createDashboard } from '../../src/dashboard/create-dashboard.js';
import { createMetrics, type Metrics } from '../../src/metrics/create-metrics.js';
import { sendRequest } from '../../src/testing/adapter-conformance-client.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { closeServer } from './client.js';

const { logger } = memoryLogger();
const Search = z.object({ q: z.string().min(2), page: z.coerce.number().int().min(1) });
const Params = z.object({ id: z.string().regex(/^\d+$/) });

interface Host {
  name: string;
  port: number;
  metrics: Metrics;
  close(): Promise<void>;
}

async function startExpress(): Promise<Host> {
  const metrics = createMetrics();
  const backend = createMemoryBackend();
  const app = express();
  app.use(expressMetrics(metrics));
  const installed = expressErrand(app, { mode: 'production', logger });
  app.get('/search', expressValidate('query', Search), (req, res) => void res.json(req.valid?.query));
  app.get('/things/:id', expressValidate('param', Params), (req, res) => void res.json(req.valid?.param));
  app.use('/ops/dashboard', expressMount(createDashboard({ backend, mode: 'dev' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    name: 'express',
    port: (server.address() as AddressInfo).port,
    metrics,
    close: async () => {
      await closeServer(server);
      await installed.runner.drain({ timeoutMs: 1_000 });
      await backend.close();
    },
  };
}

async function startFastify(): Promise<Host> {
  const metrics = createMetrics();
  const backend = createMemoryBackend();
  const app = Fastify();
  const installed = fastifyErrand(app, { mode: 'production', logger });
  await app.register(fastifyMetrics(metrics));
  app.get('/search', { preValidation: fastifyValidate('query', Search) }, (request) => request.valid?.query);
  app.get('/things/:id', { preValidation: fastifyValidate('param', Params) }, (request) => request.valid?.param);
  await app.register(fastifyMount(createDashboard({ backend, mode: 'dev' })), { prefix: '/ops/dashboard' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    name: 'fastify',
    port: (app.server.address() as AddressInfo).port,
    metrics,
    close: async () => {
      await app.close();
      await installed.runner.drain({ timeoutMs: 1_000 });
      await backend.close();
    },
  };
}

const hosts: Host[] = [];
beforeAll(async () => {
  hosts.push(await startExpress(), await startFastify());
});
afterAll(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

describe.each(['express', 'fastify'])('%s', (name) => {
  const host = (): Host => hosts.find((candidate) => candidate.name === name)!;

  it('serves the dashboard under a prefix: the page links its assets and API relative to its own URL', async () => {
    const page = await sendRequest(host().port, { path: '/ops/dashboard' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<link rel="stylesheet" href="./dashboard/assets/dashboard.css">');
    expect(page.text).toContain('<meta name="errand-base" content="./dashboard">');
    // What the browser asks for, resolved against /ops/dashboard.
    const css = await sendRequest(host().port, { path: new URL('./dashboard/assets/dashboard.css', 'http://x/ops/dashboard').pathname });
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const stats = await sendRequest(host().port, { path: '/ops/dashboard/api/stats' });
    expect(stats.status).toBe(200);
    for (const path of ['/ops/dashboard/api/series?range=day', '/ops/dashboard/api/workers', '/ops/dashboard/api/search?q=x']) {
      expect((await sendRequest(host().port, { path })).status).toBe(200);
    }
    const slash = await sendRequest(host().port, { path: '/ops/dashboard/' });
    if (slash.status === 200) expect(slash.text).toContain('href="./assets/dashboard.css"');
    const missing = await sendRequest(host().port, { path: '/ops/dashboard/api/no-such', headers: { 'x-request-id': `miss-${name}` } });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(missing.json).toMatchObject({ status: 404, requestId: `miss-${name}` });
  });

  it('validates the query and the path params with a Standard Schema, every failing field listed', async () => {
    const ok = await sendRequest(host().port, { path: '/search?q=tea&page=2' });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ q: 'tea', page: 2 });
    const bad = await sendRequest(host().port, { path: '/search?q=t&page=0' });
    expect(bad.status).toBe(422);
    expect((bad.json?.errors as { loc: unknown[] }[]).map((error) => error.loc)).toEqual([
      ['query', 'q'],
      ['query', 'page'],
    ]);
    const param = await sendRequest(host().port, { path: '/things/abc' });
    expect(param.status).toBe(422);
    expect((param.json?.errors as { loc: unknown[] }[]).map((error) => error.loc)).toEqual([['path', 'id']]);
  });

  it('records requests by route pattern and errors by status and code', async () => {
    await sendRequest(host().port, { path: '/things/7' });
    await sendRequest(host().port, { path: '/nowhere' });
    await sendRequest(host().port, { path: '/things/x' });
    const text = await host().metrics.registry.metrics();
    expect(text).toMatch(/errand_http_requests_total\{method="GET",route="\/things\/:id",status="200"\} [1-9]/);
    expect(text).toMatch(/errand_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(text).toMatch(/errand_http_errors_total\{status="422",error_class="ErrandError",code="ERRAND_VALIDATION_FAILED"\} [1-9]/);
    expect(text).toMatch(/errand_http_errors_total\{status="404",error_class="[A-Za-z]+",code="ERRAND_NOT_FOUND"\} [1-9]/);
  });
});

describe('HTTP metrics: one route label for a request no route answered, on every host', () => {
  async function startHono(): Promise<Host> {
    const metrics = createMetrics();
    const app = new Hono<ErrandEnv>();
    app.use('*', metrics.middleware);
    const installed = honoErrand(app, { mode: 'production', logger });
    app.get('/things/:id', (c) => c.json({ id: c.req.param('id') }));
    app.get('/search', (c) => c.json({}));
    const server = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner: installed.runner, signals: false, logger });
    const { port } = await server.listening;
    return { name: 'hono', port, metrics, close: async () => void (await server.shutdown({ timeoutMs: 5_000 })) };
  }

  it.each(['hono', 'express', 'fastify'])('%s labels a 404 and a 405 route="unmatched", with the route miss code', async (name) => {
    const host = name === 'hono' ? await startHono() : hosts.find((candidate) => candidate.name === name)!;
    try {
      expect((await sendRequest(host.port, { path: '/nowhere/at/all' })).status).toBe(404);
      expect((await sendRequest(host.port, { path: '/search', method: 'DELETE' })).status).toBe(405);
      const text = await host.metrics.registry.metrics();
      expect(text).toMatch(/errand_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
      expect(text).toMatch(/errand_http_requests_total\{method="DELETE",route="unmatched",status="405"\} [1-9]/);
      expect(text).not.toMatch(/route="\/\*"/);
      expect(text).toMatch(/errand_http_errors_total\{status="404",error_class="[A-Za-z]+",code="ERRAND_NOT_FOUND"\} [1-9]/);
      expect(text).toMatch(/errand_http_errors_total\{status="405",error_class="[A-Za-z]+",code="ERRAND_METHOD_NOT_ALLOWED"\} [1-9]/);
    } finally {
      if (name === 'hono') await host.close();
    }
  });
});
