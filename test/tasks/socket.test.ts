import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve, type ErrandServer } from '../../src/adapters/hono/serve.js';
import { isErrandError } from '../../src/errors/errand-error.js';
import type { TaskErrorInfo } from '../../src/errors/task-error.js';
import { currentTask } from '../../src/tasks/current-task.js';
import { recordTasks, type TaskRecorder } from '../../src/testing/background.js';
import { send, sendAndAbort } from './http-client.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let events: string[] = [];
const reported: { error: Error; info: TaskErrorInfo }[] = [];
const escaped: unknown[] = [];
const onEscape = (reason: unknown): void => void escaped.push(reason);

const app = new Hono<ErrandEnv>();
const installed = errand(app, { mode: 'production', logger: silent });
installed.registry.onTaskError(Error, (error, info) => void reported.push({ error, info }));
const { runner } = installed;

app.get('/slow-task', (c) => {
  const outgoing = (c.env as { outgoing: { writableFinished: boolean } }).outgoing;
  c.var.background.add(async function twoSeconds() {
    events.push(`task start (response finished: ${outgoing.writableFinished})`);
    await sleep(2_000);
    events.push('task end');
  });
  return c.text('x'.repeat(64 * 1024));
});
app.get('/three', (c) => {
  c.var.background.add(async (name: string) => {
    await sleep(30);
    events.push(name);
  }, 'first');
  c.var.background.add((name: string) => void events.push(name), 'second');
  c.var.background.add(async (name: string) => {
    await sleep(5);
    events.push(name);
  }, 'third');
  return c.json({ ok: true });
});
app.get('/failing-middle', (c) => {
  c.var.background.add(() => void events.push('before'));
  c.var.background.add(async function breaks() {
    await sleep(1);
    throw new TypeError('middle task broke');
  });
  c.var.background.add(() => void events.push('after'));
  return c.text('ok');
});
app.post('/fails', (c) => {
  c.var.background.add(function onlyOnSuccess() {
    events.push('success task');
  });
  c.var.background.add({ when: 'failure', name: 'recordFailure' }, (why: string) => void events.push(`failure task: ${why}`), 'db down');
  throw new Error('database unavailable');
});
app.get('/timeout', (c) => {
  c.var.background.add({ timeout: 50, name: 'ignoresSignal' }, async () => {
    const signal = currentTask()?.signal;
    await sleep(300);
    events.push(`ignoring task returned (aborted: ${signal?.aborted})`);
  });
  c.var.background.add(() => void events.push('next task'));
  return c.text('ok');
});
let abandonedArrived: () => void = () => undefined;
const abandonedInFlight = new Promise<void>((resolve) => (abandonedArrived = resolve));
app.get('/abandoned-by-client', async (c) => {
  abandonedArrived();
  c.var.background.add({ when: 'always', name: 'survivesDisconnect' }, () => void events.push('ran after disconnect'));
  await sleep(150);
  return c.text('too late');
});

let server: ErrandServer;
let port: number;
let recorder: TaskRecorder;

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, signals: false, logger: silent });
  port = ((await server.listening)).port;
  recorder = recordTasks(runner);
});

afterEach(() => {
  events = [];
  reported.length = 0;
  recorder.clear();
});

afterAll(async () => {
  await server.shutdown({ timeoutMs: 2_000 });
  recorder.stop();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

describe('after-response tasks over a real socket', () => {
  it('gives the client the whole response while a 2 s task is still running', async () => {
    const response = await send(port, '/slow-task');
    events.push(`response received (${response.body.length} bytes)`);
    await runner.onIdle();
    expect(response.status).toBe(200);
    expect(events.indexOf('response received (65536 bytes)')).toBeLessThan(events.indexOf('task end'));
    expect(events).toContain('task start (response finished: true)');
    expect(events.at(-1)).toBe('task end');
  });

  it('runs three tasks in the order they were added', async () => {
    expect((await send(port, '/three')).status).toBe(200);
    await runner.onIdle();
    expect(events).toEqual(['first', 'second', 'third']);
  });

  it('keeps running the others when the middle task fails, and reports it', async () => {
    await send(port, '/failing-middle', { headers: { 'x-request-id': 'mid-1' } });
    await runner.onIdle();
    expect(events).toEqual(['before', 'after']);
    expect(reported).toHaveLength(1);
    expect(reported[0].error).toBeInstanceOf(TypeError);
    expect(reported[0].info).toMatchObject({ task: 'breaks', requestId: 'mid-1', timedOut: false });
    expect(recorder.runs.map((r) => `${r.name}:${r.outcome}`)).toEqual(['anonymous:succeeded', 'breaks:failed', 'anonymous:succeeded']);
    expect(escaped).toEqual([]);
  });

  it('runs failure tasks, not success tasks, when the route threw', async () => {
    const response = await send(port, '/fails', { method: 'POST' });
    await runner.onIdle();
    expect(response.status).toBe(500);
    expect(events).toEqual(['failure task: db down']);
  });

  it('aborts a task at its timeout, reports it timed out and moves on', async () => {
    await send(port, '/timeout');
    await runner.onIdle();
    expect(events).toEqual(['next task']);
    expect(reported).toHaveLength(1);
    expect(isErrandError(reported[0].error, 'ERRAND_TASK_TIMEOUT')).toBe(true);
    expect(reported[0].info).toMatchObject({ task: 'ignoresSignal', timedOut: true });
    // The ignoring task still finishes on its own, with its signal aborted.
    while (runner.stats().abandoned > 0) await sleep(20);
    expect(events).toEqual(['next task', 'ignoring task returned (aborted: true)']);
    expect(escaped).toEqual([]);
  });

  it('does not cancel tasks when the client disconnects before the response', async () => {
    await sendAndAbort(port, '/abandoned-by-client', abandonedInFlight);
    while (recorder.runs.length === 0) await sleep(20);
    expect(events).toEqual(['ran after disconnect']);
    expect(recorder.runs).toMatchObject([{ name: 'survivesDisconnect', outcome: 'succeeded' }]);
  });
});
