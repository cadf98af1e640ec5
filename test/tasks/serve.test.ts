import { Agent } from 'node:http';
import { Hono } from 'hono';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { background, type BackgroundEnv } from '../../src/adapters/hono/background.js';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve } from '../../src/adapters/hono/serve.js';
import type { Enqueuer, TaskDefinition } from '../../src/jobs/task-definition.js';
import { send } from './http-client.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

it('shutdown() closes idle keep-alive sockets, lets the in-flight request finish, drains its tasks and refuses new connections', async () => {
  const app = new Hono<ErrandEnv & BackgroundEnv>();
  errand(app, { mode: 'production', logger: silent });
  const tasks = background({ logger: silent });
  app.use(tasks);
  const events: string[] = [];
  app.get('/fast', (c) => c.text('fast'));
  app.get('/slow', async (c) => {
    c.var.background.add(async function afterSlow() {
      await sleep(50);
      events.push('task done');
    });
    await sleep(200);
    events.push('response ready');
    return c.text('slow');
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner: tasks.runner, signals: false, logger: silent });
  const { port } = await server.listening;
  const agent = new Agent({ keepAlive: true });
  try {
    expect((await send(port, '/fast', { agent })).body).toBe('fast');
    const slow = send(port, '/slow');
    await sleep(50);
    const report = await server.shutdown({ timeoutMs: 5_000 });
    events.push('shutdown returned');
    const response = await slow;
    expect(response.body).toBe('slow');
    expect(response.headers.connection).toBe('close');
    expect(events).toEqual(['response ready', 'task done', 'shutdown returned']);
    expect(report.requests).toEqual({ finished: 1, aborted: 0 });
    expect(report.tasks).toMatchObject({ finished: 1, interrupted: [], dropped: [], enqueued: [] });
    // Well under the 5 s keep-alive timeout: the idle keep-alive socket did not hold shutdown up.
    expect(report.durationMs).toBeLessThan(2_000);
    await expect(send(port, '/fast')).rejects.toThrow(/ECONNREFUSED/);
    expect(await server.shutdown()).toBe(report);
  } finally {
    agent.destroy();
  }
});

it('at the deadline aborts what still runs, moves pending defined tasks to the queue and drops the rest', async () => {
  const jobs: string[] = [];
  const queue: Enqueuer = { enqueue: (task) => Promise.resolve(`job-${jobs.push(task.name)}`) };
  const later: TaskDefinition<{ n: number }> = { kind: 'errand:task', name: 'later', options: { handler: () => undefined }, parse: (p) => Promise.resolve(p as { n: number }) };
  const app = new Hono<ErrandEnv & BackgroundEnv>();
  errand(app, { mode: 'production', logger: silent });
  const tasks = background({ logger: silent, queue });
  app.use(tasks);
  let release: () => void = () => {};
  const stuck = new Promise<void>((resolve) => (release = resolve));
  app.get('/', (c) => {
    c.var.background.add(function blocking() {
      return stuck;
    });
    c.var.background.add(later, { n: 1 });
    c.var.background.add(function plain() {});
    return c.text('ok');
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner: tasks.runner, signals: false, logger: silent });
  const { port } = await server.listening;
  await send(port, '/', { headers: { 'x-request-id': 'r-1' } });
  const report = await server.shutdown({ timeoutMs: 100 });
  release();
  expect(report.tasks).toMatchObject({
    interrupted: [{ task: 'blocking', requestId: 'r-1' }],
    enqueued: [{ task: 'later', requestId: 'r-1', jobId: 'job-1' }],
    dropped: [{ task: 'plain', requestId: 'r-1' }],
  });
  expect(tasks.runner.stats()).toMatchObject({ interrupted: 1, enqueued: 1, dropped: 1, pending: 0 });
});
