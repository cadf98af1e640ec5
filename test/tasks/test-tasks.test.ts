import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { errand as expressErrand } from '../../src/adapters/express/errand.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import { errand as honoErrand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { createTestTasks } from '../../src/testing/background.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';

/*
 * createTestTasks() is the framework-free test helper: the same runner handed to each host's
 * adapter, and `after(request)` returning only once the request's tasks ended. Each task here
 * finishes well after the response was sent, so a helper that returned at the response would see
 * no run.
 */
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sendEmail(to: string): Promise<void> {
  await later(50);
  if (to.endsWith('@invalid')) throw new Error(`mailbox ${to} does not exist`);
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('createTestTasks', () => {
  it('waits for the tasks of a Fastify request (app.inject) and records their outcomes and request id', async () => {
    const { logger } = memoryLogger();
    const t = createTestTasks();
    const app = Fastify();
    fastifyErrand(app, { mode: 'production', logger, background: { runner: t.runner } });
    app.post<{ Body: { email: string } }>('/register', (request) => {
      request.background.add(sendEmail, request.body.email);
      return { ok: true };
    });
    closers.push(() => app.close());

    const ok = await t.after(app.inject({ method: 'POST', url: '/register', payload: { email: 'ada@example.com' }, headers: { 'x-request-id': 'r-1' } }));
    expect(ok.response.statusCode).toBe(200);
    expect(ok.runs).toMatchObject([{ name: 'sendEmail', args: ['ada@example.com'], requestId: 'r-1', outcome: 'succeeded' }]);

    const failed = await t.after(app.inject({ method: 'POST', url: '/register', payload: { email: 'bob@invalid' } }));
    expect(failed.runs).toHaveLength(1);
    expect(failed.runs[0]).toMatchObject({ name: 'sendEmail', outcome: 'failed' });
    expect(failed.runs[0]?.error?.message).toBe('mailbox bob@invalid does not exist');
    expect(t.recorder.names()).toEqual(['sendEmail', 'sendEmail']);
    // The runner's own log lines are kept, not printed: the failure is there once.
    expect(t.logs.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('waits for the tasks of an Express request over a real socket', async () => {
    const { logger } = memoryLogger();
    const t = createTestTasks();
    const app = express();
    expressErrand(app, { mode: 'production', logger, background: { runner: t.runner } });
    app.post('/register', (req, res) => {
      req.background.add(sendEmail, 'ada@example.com');
      res.status(201).json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;

    const { response, runs } = await t.after(fetch(`http://127.0.0.1:${port}/register`, { method: 'POST' }));
    expect(response.status).toBe(201);
    expect(runs).toMatchObject([{ name: 'sendEmail', args: ['ada@example.com'], outcome: 'succeeded' }]);
    expect(runs[0]?.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('serves Hono through errand(app, { background: { runner } })', async () => {
    const { logger } = memoryLogger();
    const t = createTestTasks();
    const app = new Hono<ErrandEnv>();
    honoErrand(app, { mode: 'production', logger, background: { runner: t.runner } });
    app.post('/register', (c) => {
      c.var.background.add(sendEmail, 'ada@example.com');
      return c.json({ ok: true }, 201);
    });

    const { response, runs } = await t.after(app.request('/register', { method: 'POST' }));
    expect(response.status).toBe(201);
    expect(runs).toMatchObject([{ name: 'sendEmail', outcome: 'succeeded' }]);
    expect(await t.settle()).toHaveLength(1);
  });
});
