import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { background } from '../../src/adapters/hono/background.js';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve, type ErrandServer } from '../../src/adapters/hono/serve.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import { createTaskRunner } from '../../src/tasks/task-runner.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { gate, send } from './client.js';
import { MailError, taskContract, taskScenario } from './task-contract.js';

/*
 * errand(app) alone gives every Hono request its task list (`c.var.background`) on the runner it
 * returns, as errand does on Fastify and Express: no second middleware.
 */

type Env = ErrandEnv & { Bindings: HttpBindings };

const scenario = taskScenario();
const { silent, registry, events, slow, held, handled } = scenario;

const app = new Hono<Env>();
const { runner } = errand(app, { mode: 'production', registry, logger: silent });
app.get('/slow-task', async (c) => {
  events.push('handler');
  const outgoing = c.env.outgoing;
  c.var.background.add(async function waitsForTheTest() {
    events.push(`task started (response finished: ${outgoing.writableFinished})`);
    await slow.wait;
    events.push('task finished');
  });
  await new Promise((resolve) => setImmediate(resolve));
  return c.text('x'.repeat(64 * 1024));
});
app.post('/fails', (c) => {
  c.var.background.add(() => void events.push('success task'));
  c.var.background.add({ when: 'failure', name: 'recordFailure' }, (why: string) => void events.push(`failure task: ${why}`), 'db down');
  c.var.background.add({ when: 'always', name: 'audit' }, () => void events.push('always task'));
  throw new Error('database unavailable');
});
app.post('/mail', (c) => {
  c.var.background.add(function sendMail() {
    throw new MailError('smtp down');
  });
  return c.text('queued', 202);
});

const bounded = new Hono<Env>();
const boundedErrand = errand(bounded, { mode: 'production', registry, logger: silent, background: { maxPending: 1, retryAfterSeconds: 2 } });
bounded.get('/hold', (c) => {
  handled.count++;
  c.var.background.add(() => held.wait);
  return c.text('ok');
});

let server: ErrandServer;
let boundedServer: ErrandServer;
let port = 0;
let boundedPort = 0;

beforeAll(async () => {
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, signals: false, logger: silent });
  boundedServer = serve({ fetch: bounded.fetch, port: 0, hostname: '127.0.0.1', runner: boundedErrand.runner, signals: false, logger: silent });
  port = (await server.listening).port;
  boundedPort = (await boundedServer.listening).port;
});

afterAll(async () => {
  slow.release();
  held.release();
  await Promise.all([server.shutdown({ timeoutMs: 2_000 }), boundedServer.shutdown({ timeoutMs: 2_000 })]);
});

describe('errand on Hono: after-response tasks from errand(app) alone', () => {
  taskContract({ scenario, port: () => port, boundedPort: () => boundedPort, runner, boundedRunner: boundedErrand.runner, contextPath: (context) => (context as { req: { path: string } }).req.path });

  it("drains errand(app).runner's pending tasks at shutdown through serve({ runner })", async () => {
    const shutdownApp = new Hono<ErrandEnv>();
    const installed = errand(shutdownApp, { mode: 'production', registry, logger: silent });
    const release = gate();
    const done: string[] = [];
    shutdownApp.get('/work', (c) => {
      c.var.background.add(async () => {
        await release.wait;
        done.push('finished');
      });
      return c.text('ok');
    });
    const shutdownServer = serve({ fetch: shutdownApp.fetch, port: 0, hostname: '127.0.0.1', runner: installed.runner, signals: false, logger: silent });
    const shutdownPort = (await shutdownServer.listening).port;
    try {
      expect((await send(shutdownPort, '/work')).status).toBe(200);
      expect(installed.runner.stats().pending).toBe(1);
      let stopped = false;
      const stopping = shutdownServer.shutdown({ timeoutMs: 10_000 }).finally(() => (stopped = true));
      // The drain waits for the pending task: the shutdown has begun (the runner refuses new work)
      // and is not over while the task is held.
      await eventually(() => expect(installed.runner.closing).toBe(true));
      expect(stopped).toBe(false);
      release.release();
      const report = await stopping;
      expect(done).toEqual(['finished']);
      expect(report.tasks).toMatchObject({ finished: 1, interrupted: [], dropped: [] });
      expect(installed.runner.stats()).toMatchObject({ succeeded: 1, pending: 0 });
    } finally {
      release.release();
    }
  });

  it('takes a shared runner with background: { runner }', async () => {
    const shared = createTaskRunner({ logger: silent });
    const sharedApp = new Hono<ErrandEnv>();
    const installed = errand(sharedApp, { mode: 'production', logger: silent, background: { runner: shared } });
    sharedApp.get('/', (c) => {
      c.var.background.add(function recorded() {});
      return c.text('ok');
    });
    expect(installed.runner).toBe(shared);
    expect((await sharedApp.request('/')).status).toBe(200);
    await shared.onIdle();
    expect(shared.stats()).toMatchObject({ added: 1, succeeded: 1 });
  });
});

describe('errand on Hono outside Node (app.request)', () => {
  it("starts the request's tasks at runner.start(c.var.background, status), before the handler returned", async () => {
    const startApp = new Hono<ErrandEnv>();
    const installed = errand(startApp, { mode: 'production', logger: silent });
    const ran = gate();
    startApp.get('/early', async (c) => {
      c.var.background.add(function early() {
        ran.release();
      });
      installed.runner.start(c.var.background, 200);
      // The handler waits for its own task: it ran before the handler returned.
      await ran.wait;
      return c.text('ok');
    });
    expect((await startApp.request('/early')).status).toBe(200);
    await installed.runner.onIdle();
    expect(installed.runner.stats()).toMatchObject({ added: 1, succeeded: 1, pending: 0 });
  });

  it('runs a task added while the response body streams, after the handler returned', async () => {
    const streamApp = new Hono<ErrandEnv>();
    const installed = errand(streamApp, { mode: 'production', logger: silent });
    const ran: string[] = [];
    streamApp.get('/stream', (c) => {
      const tasks = c.var.background;
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            tasks.add(function late() {
              ran.push('late');
            });
            controller.enqueue(new TextEncoder().encode('streamed'));
            controller.close();
          },
        },
        { highWaterMark: 0 },
      );
      return c.body(body);
    });
    const response = await streamApp.request('/stream');
    expect(await response.text()).toBe('streamed');
    await eventually(() => expect(ran).toEqual(['late']), 5_000);
    await installed.runner.onIdle();
    expect(installed.runner.stats()).toMatchObject({ added: 1, succeeded: 1, pending: 0 });
  });
});

describe('background() beside errand(app)', () => {
  it("passes through when it feeds errand's own runner: one list, one admission", async () => {
    const sharedApp = new Hono<ErrandEnv>();
    const installed = errand(sharedApp, { mode: 'production', logger: silent, background: { maxPending: 1 } });
    sharedApp.use(background({ runner: installed.runner }));
    const lists = new Set<unknown>();
    sharedApp.get('/', (c) => {
      lists.add(c.var.background);
      return c.text('ok');
    });
    expect((await sharedApp.request('/')).status).toBe(200);
    expect((await sharedApp.request('/')).status).toBe(200);
    expect(lists.size).toBe(2);
    expect(installed.runner.stats()).toMatchObject({ added: 0, rejectedRequests: 0 });
  });

  it("with a runner of its own, gives the request a list on that runner, its errors still reaching errand's registry", async () => {
    const ownRegistry = createErrorRegistry({ logger: silent });
    const seen: (string | undefined)[] = [];
    ownRegistry.onTaskError(MailError, (_error, info) => void seen.push(info.requestId));
    const legacyApp = new Hono<ErrandEnv>();
    const installed = errand(legacyApp, { mode: 'production', registry: ownRegistry, logger: silent });
    const tasks = background({ logger: silent });
    legacyApp.use(tasks);
    legacyApp.get('/', (c) => {
      c.var.background.add(function sendMail() {
        throw new MailError('smtp down');
      });
      return c.text('ok');
    });
    expect((await legacyApp.request('/', { headers: { 'x-request-id': 'req-legacy' } })).status).toBe(200);
    await tasks.runner.onIdle();
    expect(tasks.runner.stats()).toMatchObject({ added: 1, failed: 1 });
    expect(installed.runner.stats().added).toBe(0);
    expect(seen).toEqual(['req-legacy']);
  });
});
