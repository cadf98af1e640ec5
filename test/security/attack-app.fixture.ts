// One app per host, built as docs/adapters.md teaches (errand(app), validate, jsonResponse,
// jobsRoutes/acceptedJob, httpMetrics, the dashboard under /admin/queue, an in-process worker,
// graceful shutdown), run in production mode in its own process for test/security/*.test.ts to attack
// over a real socket. ATTACK_HOST picks the host. It prints {"listening":port} once it listens, and
// {"taskDone":name} when an after-response task ends.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { z } from 'zod';
import { createMemoryBackend } from '../../src/backends/memory/index.js';
import { createDashboard } from '../../src/dashboard/index.js';
import { createQueue, createWorker, defineTask } from '../../src/jobs/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { ErrandEnv } from '../../src/adapters/hono/index.js';

const host = process.env.ATTACK_HOST ?? 'express';
const token = 'attack-token-0123456789';
const Item = z.object({ name: z.string().min(1), qty: z.number().int().nonnegative() });

const backend = createMemoryBackend();
const queue = createQueue({ backend });
const failing = defineTask('failing', {
  schema: z.object({ path: z.string() }),
  retries: 0,
  handler: ({ path }) => {
    throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  },
});
const worker = createWorker({ backend, tasks: [failing], pollMs: 20 }).start();
const metrics = createMetrics({ backend });
const dashboard = createDashboard({ backend, auth: { token } });

function announce(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// The routes every host serves, named so the three apps answer the same paths.
const secret = '/srv/app/secret/config.json: password=hunter2';

/**
 * Routes whose handler throws a secret, each host registering the same handlers: an Error and a
 * string thrown at once, a plain object and null rejected after an await.
 */
const throwingRoutes: Record<string, () => Promise<never>> = {
  '/throw/error': () => {
    throw new Error(secret);
  },
  '/throw/string': () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw secret;
  },
  '/throw/object': async () => {
    await Promise.resolve();
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw { message: secret, status: 503 };
  },
  '/throw/null': async () => {
    await Promise.resolve();
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw null;
  },
};

async function startExpress(): Promise<Server> {
  const express = (await import('express')).default;
  const { errand, validate, jsonResponse, acceptedJob, jobsRoutes, httpMetrics, mount, createGracefulShutdown, answerClientErrors } = await import('../../src/adapters/express/index.js');
  const app = express();
  app.use(httpMetrics(metrics));
  const installed = errand(app, { mode: 'production' });
  const { runner } = installed;
  app.use(express.json());
  app.get('/metrics', async (_q, res) => void res.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.post('/items', validate('json', Item), (req, res) => {
    req.background.add(() => announce({ taskDone: 'audit' }));
    jsonResponse(res, req.body, 201);
  });
  app.get('/items/:name', (req, res) => jsonResponse(res, { name: req.params.name }));
  for (const [path, handler] of Object.entries(throwingRoutes)) app.get(path, handler);
  app.get('/after-headers', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
    throw new Error(secret);
  });
  app.get('/task/:kind', (req, res) => {
    addTask(req.background, req.params.kind);
    res.type('text/plain').send('ok');
  });
  app.get('/slow', async (_req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    res.type('text/plain').send('slow ok');
  });
  app.post('/jobs', async (_req, res) => acceptedJob(res, await queue.enqueue(failing, { path: '/srv/app/uploads/a.csv' })));
  app.use('/jobs', jobsRoutes(queue));
  // A router under a mount path with a parameter, as a multi-tenant app writes it.
  const tenantItems = express.Router();
  tenantItems.get('/:name', (req, res) => jsonResponse(res, { name: req.params.name }));
  app.use('/tenants/:tenant/items', tenantItems);
  app.use('/admin/queue', mount(dashboard));
  app.use('/tenants/:tenant/queue', mount(dashboard));
  app.get('/heap', (_req, res) => jsonResponse(res, heap()));
  const server = app.listen(0, '127.0.0.1');
  answerClientErrors(server, installed);
  createGracefulShutdown({ server, runner, worker, backend, timeoutMs: 5_000 });
  return server;
}

async function startFastify(): Promise<Server> {
  const Fastify = (await import('fastify')).default;
  const { errand, frameworkErrors, genReqId, clientErrorHandler, validate, jsonResponse, acceptedJob, jobsRoutes, httpMetrics, mount, createGracefulShutdown } = await import('../../src/adapters/fastify/index.js');
  const app = Fastify({ frameworkErrors, genReqId, clientErrorHandler });
  await app.register(httpMetrics(metrics));
  const { runner } = errand(app, { mode: 'production' });
  app.get('/metrics', async (_q, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.post('/items', { preValidation: validate('json', Item) }, (request, reply) => {
    request.background.add(() => announce({ taskDone: 'audit' }));
    return jsonResponse(reply, request.body, 201);
  });
  app.get<{ Params: { name: string } }>('/items/:name', (request, reply) => jsonResponse(reply, { name: request.params.name }));
  for (const [path, handler] of Object.entries(throwingRoutes)) app.get(path, handler);
  app.get('/after-headers', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.write('partial');
    throw new Error(secret);
  });
  app.get<{ Params: { kind: string } }>('/task/:kind', (request, reply) => {
    addTask(request.background, request.params.kind);
    return reply.type('text/plain').send('ok');
  });
  app.get('/slow', async (_request, reply) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return reply.type('text/plain').send('slow ok');
  });
  app.post('/jobs', async (_request, reply) => acceptedJob(reply, await queue.enqueue(failing, { path: '/srv/app/uploads/a.csv' })));
  await app.register(jobsRoutes(queue), { prefix: '/jobs' });
  app.get<{ Params: { tenant: string; name: string } }>('/tenants/:tenant/items/:name', (request, reply) => jsonResponse(reply, { name: request.params.name }));
  await app.register(mount(dashboard), { prefix: '/admin/queue' });
  await app.register(mount(dashboard), { prefix: '/tenants/:tenant/queue' });
  app.get('/heap', (_request, reply) => jsonResponse(reply, heap()));
  createGracefulShutdown({ server: app.server, runner, worker, backend, timeoutMs: 5_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server;
}

async function startHono(): Promise<Server> {
  const { Hono } = await import('hono');
  const { errand, validate, jsonResponse, acceptedJob, jobsRoutes, serve } = await import('../../src/adapters/hono/index.js');
  const app = new Hono<ErrandEnv>();
  app.use('*', metrics.middleware);
  const installed = errand(app, { mode: 'production' });
  const { runner } = installed;
  app.get('/metrics', metrics.handler);
  app.post('/items', validate('json', Item), (c) => {
    c.var.background.add(() => announce({ taskDone: 'audit' }));
    return jsonResponse(c, c.req.valid('json'), 201);
  });
  app.get('/items/:name', (c) => jsonResponse(c, { name: c.req.param('name') }));
  for (const [path, handler] of Object.entries(throwingRoutes)) app.get(path, handler);
  app.get('/task/:kind', (c) => {
    addTask(c.var.background, c.req.param('kind'));
    return c.text('ok');
  });
  app.get('/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return c.text('slow ok');
  });
  app.post('/jobs', async (c) => acceptedJob(c, await queue.enqueue(failing, { path: '/srv/app/uploads/a.csv' })));
  app.route('/jobs', jobsRoutes(queue));
  app.get('/tenants/:tenant/items/:name', (c) => jsonResponse(c, { name: c.req.param('name') }));
  app.route('/admin/queue', dashboard);
  app.route('/tenants/:tenant/queue', dashboard);
  app.get('/heap', (c) => jsonResponse(c, heap()));
  const { server, listening } = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, worker, backend, shutdownTimeoutMs: 5_000, clientErrors: installed });
  await listening;
  return server as Server;
}

/** The heap in use after a full collection (the app runs with --expose-gc for the memory tests). */
function heap(): { heapUsed: number | null } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return { heapUsed: null };
  gc();
  return { heapUsed: process.memoryUsage().heapUsed };
}

function addTask(tasks: { add(fn: (...args: never[]) => unknown): unknown }, kind: string): void {
  if (kind === 'throws') {
    tasks.add(() => {
      throw new Error(secret);
    });
  } else if (kind === 'rejects') {
    tasks.add(async () => {
      await Promise.resolve();
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw secret;
    });
  } else if (kind === 'never') {
    tasks.add(() => new Promise(() => undefined));
  }
  tasks.add(() => announce({ taskDone: kind }));
}

const server = host === 'fastify' ? await startFastify() : host === 'hono' ? await startHono() : await startExpress();
if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
announce({ listening: (server.address() as AddressInfo).port });
