import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { HTTPException } from '../../errors/http-exception.js';
import { memoryLogger } from '../../testing/memory-logger.js';
import type { Enqueuer, TaskDefinition } from '../../jobs/task-definition.js';
import { createTestBackground } from '../../testing/hono.js';
import type { BackgroundOptions, BackgroundEnv } from './background.js';
import { errand } from './errand.js';
import type { ErrandEnv } from './errand-env.js';

class MailError extends Error {
  override name = 'MailError';
}

/** errand(app) with its task list on a test runner (`createTestBackground`'s), as the docs teach. */
function makeApp(options: Omit<BackgroundOptions, 'runner' | 'registry'> = {}) {
  const { logger, lines } = memoryLogger();
  const app = new Hono<ErrandEnv>();
  const tb = createTestBackground(options);
  const installed = errand(app, { mode: 'production', logger, background: { runner: tb.runner } });
  return { app, tb, registry: installed.registry, lines };
}

describe('after-response tasks on Hono, with createTestBackground', () => {
  it('gives handlers c.var.background and runs its tasks after the handler, with the request id', async () => {
    const { app, tb } = makeApp();
    const sent: string[] = [];
    app.post('/register', (c) => {
      c.var.background.add(function sendWelcome(to: string) {
        sent.push(to);
      }, 'ada@example.com');
      return c.json({ ok: true }, 201);
    });
    const { response, runs } = await tb.request(app, '/register', { method: 'POST', headers: { 'x-request-id': 'req-42' } });
    expect(response.status).toBe(201);
    expect(sent).toEqual(['ada@example.com']);
    expect(runs).toMatchObject([{ name: 'sendWelcome', args: ['ada@example.com'], requestId: 'req-42', outcome: 'succeeded' }]);
  });

  it('honours when against the error response of a route that threw after adding tasks', async () => {
    const { app, tb } = makeApp();
    app.post('/conflict', (c) => {
      c.var.background.add(function onSuccess() {});
      c.var.background.add({ when: 'always', name: 'always' }, () => {});
      c.var.background.add({ when: 'failure', name: 'recordFailure' }, (reason: string) => void reason, 'conflict');
      throw new HTTPException(409, 'already registered');
    });
    app.get('/crash', (c) => {
      c.var.background.add({ when: 'failure', name: 'alert' }, () => {});
      throw new Error('internal');
    });
    const conflict = await tb.request(app, '/conflict', { method: 'POST' });
    expect(conflict.response.status).toBe(409);
    expect(conflict.runs.map((r) => `${r.name}:${r.outcome}`)).toEqual(['onSuccess:skipped', 'always:succeeded', 'recordFailure:succeeded']);
    const crash = await tb.request(app, '/crash');
    expect(crash.response.status).toBe(500);
    expect(crash.runs.map((r) => `${r.name}:${r.outcome}`)).toEqual(['alert:succeeded']);
  });

  it("runs failure tasks against the 500 errand answers for a thrown string (which Hono's onError never sees)", async () => {
    const { app, tb } = makeApp();
    app.get('/string', (c) => {
      c.var.background.add(function onSuccess() {});
      c.var.background.add({ when: 'failure', name: 'alert' }, () => {});
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'not an Error';
    });
    const { response, runs } = await tb.request(app, '/string');
    expect(response.status).toBe(500);
    expect(runs.map((r) => `${r.name}:${r.outcome}`)).toEqual(['onSuccess:skipped', 'alert:succeeded']);
  });

  it('counts a redirect as a success: default tasks run, failure tasks do not', async () => {
    const { app, tb } = makeApp();
    app.post('/login', (c) => {
      c.var.background.add(function recordLogin() {});
      c.var.background.add({ when: 'failure', name: 'alert' }, () => {});
      return c.redirect('/home', 303);
    });
    const { response, runs } = await tb.request(app, '/login', { method: 'POST' });
    expect(response.status).toBe(303);
    expect(runs.map((r) => `${r.name}:${r.outcome}`)).toEqual(['recordLogin:succeeded', 'alert:skipped']);
  });

  it('keeps the request context for tasks only when a task-error handler could read it', async () => {
    const { app, tb, registry } = makeApp();
    const seen: unknown[] = [];
    app.get('/ctx', (c) => {
      seen.push(c.var.background.context === c);
      return c.text('ok');
    });
    await tb.request(app, '/ctx');
    registry.onTaskError(MailError, () => undefined);
    await tb.request(app, '/ctx');
    expect(seen).toEqual([false, true]);
  });

  it("sends task errors to errand's registry by class, with the request id and the request's context", async () => {
    const { app, tb, registry } = makeApp();
    const handled: { name: string; requestId: string | undefined; path: unknown; timedOut: boolean }[] = [];
    registry.onTaskError(MailError, (error, info) => {
      const c = info.context as { req: { path: string } };
      handled.push({ name: error.name, requestId: info.requestId, path: c.req.path, timedOut: info.timedOut });
    });
    app.post('/mail', (c) => {
      c.var.background.add(function sendMail() {
        throw new MailError('smtp down');
      });
      return c.text('queued', 202);
    });
    const { runs } = await tb.request(app, '/mail', { method: 'POST', headers: { 'x-request-id': 'req-7' } });
    expect(runs).toMatchObject([{ name: 'sendMail', outcome: 'failed' }]);
    expect(handled).toEqual([{ name: 'MailError', requestId: 'req-7', path: '/mail', timedOut: false }]);
    expect(tb.logs).toMatchObject([{ level: 'error', object: { requestId: 'req-7', task: 'sendMail' } }]);
  });

  it("background()'s explicit registry option wins over errand's registry", async () => {
    const seen: string[] = [];
    const app = new Hono<ErrandEnv & BackgroundEnv>();
    errand(app, { mode: 'production', logger: memoryLogger().logger });
    const tb = createTestBackground({ registry: { handleTaskError: (error) => Promise.resolve(void seen.push(error.message)) } });
    app.use(tb.middleware);
    app.get('/', (c) => {
      c.var.background.add(() => Promise.reject(new Error('nope')));
      return c.text('ok');
    });
    await tb.request(app, '/');
    expect(seen).toEqual(['nope']);
  });

  it('answers 503 with Retry-After and ERRAND_OVERLOADED before the handler runs at the bound', async () => {
    const { app, tb } = makeApp({ maxPending: 1, retryAfterSeconds: 2 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    app.get('/slow', (c) => {
      handled++;
      c.var.background.add(() => gate);
      return c.text('ok');
    });
    expect((await app.request('/slow')).status).toBe(200);
    const refused = await app.request('/slow');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ status: 503, code: 'ERRAND_OVERLOADED' });
    expect(handled).toBe(1);
    release();
    await tb.settle();
    expect((await app.request('/slow')).status).toBe(200);
    await tb.settle();
    expect(tb.runner.stats()).toMatchObject({ rejectedRequests: 1, succeeded: 2, pending: 0 });
  });

  it('refuses a flood at the bound with one warn line and no stack, while counting every refusal', async () => {
    const { app, tb, lines } = makeApp({ maxPending: 1 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', (c) => {
      c.var.background.add(() => gate);
      return c.text('ok');
    });
    expect((await app.request('/slow')).status).toBe(200);
    const refused = await Promise.all(Array.from({ length: 200 }, async (_, i) => app.request('/slow', { headers: { 'x-request-id': `flood-${i}` } })));
    expect(refused.map((response) => response.status)).toEqual(Array.from({ length: 200 }, () => 503));
    const refusals = lines.filter((line) => line.code === 'ERRAND_OVERLOADED');
    expect(refusals).toEqual([expect.objectContaining({ level: 40, requestId: 'flood-0', status: 503 })]);
    expect(refusals[0]).not.toHaveProperty('err');
    expect(tb.runner.stats().rejectedRequests).toBe(200);
    release();
    await tb.settle();
  });

  it('enqueues a defined task with durable: true instead of running it', async () => {
    const jobs: unknown[] = [];
    const queue: Enqueuer = { enqueue: (task, payload) => Promise.resolve(`job-${jobs.push([task.name, payload])}`) };
    const welcome: TaskDefinition<{ to: string }> = {
      kind: 'errand:task',
      name: 'welcome',
      options: { handler: () => undefined },
      parse: (payload) => Promise.resolve(payload as { to: string }),
    };
    const { app, tb } = makeApp({ queue });
    app.post('/register', (c) => {
      c.var.background.add(welcome, { to: 'ada@example.com' }, { durable: true });
      c.var.background.add(welcome, { to: 'inline@example.com' });
      return c.json({ ok: true }, 201);
    });
    const { runs } = await tb.request(app, '/register', { method: 'POST' });
    expect(jobs).toEqual([['welcome', { to: 'ada@example.com' }]]);
    expect(runs).toMatchObject([
      { name: 'welcome', outcome: 'enqueued', jobId: 'job-1', args: [{ to: 'ada@example.com' }] },
      { name: 'welcome', outcome: 'succeeded', args: [{ to: 'inline@example.com' }] },
    ]);
  });
});

describe('background() without errand(app)', () => {
  it("gives handlers c.var.background and runs its tasks once the handler returned, judged by the final status", async () => {
    const app = new Hono<BackgroundEnv>();
    const tb = createTestBackground();
    app.use(tb.middleware);
    app.get('/ok', (c) => {
      c.var.background.add(function onSuccess() {});
      c.var.background.add({ when: 'failure', name: 'alert' }, () => {});
      return c.text('ok');
    });
    app.get('/crash', (c) => {
      c.var.background.add(function onSuccess() {});
      c.var.background.add({ when: 'failure', name: 'alert' }, () => {});
      throw new Error('internal');
    });
    const ok = await tb.request(app, '/ok', { headers: { 'x-request-id': 'req-ok' } });
    expect(ok.response.status).toBe(200);
    expect(ok.runs.map((r) => `${r.name}:${r.outcome}:${r.requestId}`)).toEqual(['onSuccess:succeeded:req-ok', 'alert:skipped:req-ok']);
    const crash = await tb.request(app, '/crash');
    expect(crash.response.status).toBe(500);
    expect(crash.runs.map((r) => `${r.name}:${r.outcome}`)).toEqual(['onSuccess:skipped', 'alert:succeeded']);
  });
});
