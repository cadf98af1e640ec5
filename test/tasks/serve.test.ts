import { Agent, type Server } from 'node:http';
import { Hono } from 'hono';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve } from '../../src/adapters/hono/serve.js';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import type { Enqueuer, TaskDefinition } from '../../src/jobs/task-definition.js';
import { createWorker } from '../../src/jobs/worker.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { send } from './http-client.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

it('shutdown() closes idle keep-alive sockets, lets the in-flight request finish, drains its tasks and refuses new connections', async () => {
  const app = new Hono<ErrandEnv>();
  const { runner } = errand(app, { mode: 'production', logger: silent });
  const events: string[] = [];
  app.get('/fast', (c) => c.text('fast'));
  let slowStarted: () => void = () => undefined;
  const slowArrived = new Promise<void>((resolve) => (slowStarted = resolve));
  app.get('/slow', async (c) => {
    slowStarted();
    c.var.background.add(async function afterSlow() {
      await sleep(50);
      events.push('task done');
    });
    await sleep(200);
    events.push('response ready');
    return c.text('slow');
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, signals: false, logger: silent });
  const { port } = await server.listening;
  // Far past the test's timeout: an idle keep-alive socket that held shutdown up would hang it.
  (server.server as Server).keepAliveTimeout = 600_000;
  const agent = new Agent({ keepAlive: true });
  try {
    expect((await send(port, '/fast', { agent })).body).toBe('fast');
    const slow = send(port, '/slow');
    await slowArrived; // in flight: shutdown must let it finish
    const report = await server.shutdown({ timeoutMs: 5_000 });
    events.push('shutdown returned');
    const response = await slow;
    expect(response.body).toBe('slow');
    expect(response.headers.connection).toBe('close');
    expect(events).toEqual(['response ready', 'task done', 'shutdown returned']);
    expect(report.requests).toEqual({ finished: 1, aborted: 0 });
    expect(report.tasks).toMatchObject({ finished: 1, interrupted: [], dropped: [], enqueued: [] });
    await expect(send(port, '/fast')).rejects.toThrow(/ECONNREFUSED/);
    expect(await server.shutdown()).toBe(report);
  } finally {
    agent.destroy();
  }
});

/** An errand app whose tasks go to `queue` at shutdown, and a promise a task can wait on until `release()`. */
function appWithQueue(queue: Enqueuer) {
  const app = new Hono<ErrandEnv>();
  const { runner } = errand(app, { mode: 'production', logger: silent, background: { queue } });
  let release: () => void = () => {};
  const stuck = new Promise<void>((resolve) => (release = resolve));
  return { app, runner, stuck, release: () => release() };
}

it('at the deadline aborts what still runs, moves pending defined tasks to the queue and drops the rest', async () => {
  const jobs: string[] = [];
  const queue: Enqueuer = { enqueue: (task) => Promise.resolve(`job-${jobs.push(task.name)}`) };
  const later: TaskDefinition<{ n: number }> = { kind: 'errand:task', name: 'later', options: { handler: () => undefined }, parse: (p) => Promise.resolve(p as { n: number }) };
  const { app, runner, stuck, release } = appWithQueue(queue);
  app.get('/', (c) => {
    c.var.background.add(function blocking() {
      return stuck;
    });
    c.var.background.add(later, { n: 1 });
    c.var.background.add(function plain() {});
    return c.text('ok');
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, signals: false, logger: silent });
  const { port } = await server.listening;
  await send(port, '/', { headers: { 'x-request-id': 'r-1' } });
  const report = await server.shutdown({ timeoutMs: 100 });
  release();
  expect(report.tasks).toMatchObject({
    interrupted: [{ task: 'blocking', requestId: 'r-1' }],
    enqueued: [{ task: 'later', requestId: 'r-1', jobId: 'job-1' }],
    dropped: [{ task: 'plain', requestId: 'r-1' }],
  });
  expect(runner.stats()).toMatchObject({ interrupted: 1, enqueued: 1, dropped: 1, pending: 0 });
});

it('moves a defined task still pending at the deadline to a real durable queue, where a worker runs it', async () => {
  const backend = createMemoryBackend();
  const queue = createQueue({ backend });
  const delivered: string[] = [];
  const welcome = defineTask('welcome', { handler: (payload: { email: string }) => void delivered.push(payload.email) });
  const { app, runner, stuck, release } = appWithQueue(queue);
  app.post('/register', (c) => {
    c.var.background.add(function slowAudit() {
      return stuck;
    });
    c.var.background.add(welcome, { email: 'ada@example.com' });
    return c.json({ ok: true }, 201);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, signals: false, logger: silent });
  const { port } = await server.listening;
  const worker = createWorker({ backend, tasks: [welcome], pollMs: 10, pruneIntervalMs: 0, logger: silent });
  try {
    expect((await send(port, '/register', { method: 'POST', headers: { 'x-request-id': 'r-2' } })).status).toBe(201);
    const report = await server.shutdown({ timeoutMs: 100 });
    release();
    expect(report.tasks.enqueued).toEqual([{ task: 'welcome', requestId: 'r-2', jobId: expect.any(String) as string }]);
    const jobId = report.tasks.enqueued[0].jobId;
    expect(await backend.get(jobId)).toMatchObject({ task: 'welcome', state: 'queued', payload: { email: 'ada@example.com' } });
    // What the dying process could not run, another process's worker does.
    worker.start();
    await eventually(async () => expect(await backend.get(jobId)).toMatchObject({ state: 'succeeded' }));
    expect(delivered).toEqual(['ada@example.com']);
  } finally {
    release();
    await worker.stop({ timeoutMs: 1_000 });
    await backend.close();
  }
});
