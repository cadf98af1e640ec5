import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/fastify/errand.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import type { TaskErrorInfo } from '../../src/errors/task-error.js';
import { gate, send } from './client.js';

class MailError extends Error {
  override name = 'MailError';
}

const silent = pino({ level: 'silent' });
const registry = createErrorRegistry({ logger: silent });
const reported: { error: Error; info: TaskErrorInfo }[] = [];
registry.onTaskError(MailError, (error, info) => void reported.push({ error, info }));

let events: string[] = [];
const slow = gate();
const held = gate();
let handled = 0;

const app = Fastify();
const { runner } = errand(app, { mode: 'production', registry, logger: silent });
app.get('/slow-task', async (request, reply) => {
  events.push('handler');
  request.background.add(async function waitsForTheTest() {
    events.push(`task started (response finished: ${reply.raw.writableFinished})`);
    await slow.wait;
    events.push('task finished');
  });
  // The task is added before the response is even started: it must still wait for its end.
  await new Promise((resolve) => setImmediate(resolve));
  return reply.type('text/plain').send('x'.repeat(64 * 1024));
});
app.post('/fails', (request) => {
  request.background.add(() => void events.push('success task'));
  request.background.add({ when: 'failure', name: 'recordFailure' }, (why: string) => void events.push(`failure task: ${why}`), 'db down');
  request.background.add({ when: 'always', name: 'audit' }, () => void events.push('always task'));
  throw new Error('database unavailable');
});
app.post('/mail', async (request, reply) => {
  request.background.add(function sendMail() {
    throw new MailError('smtp down');
  });
  return reply.code(202).send('queued');
});

const bounded = Fastify();
const boundedErrand = errand(bounded, { mode: 'production', registry, logger: silent, background: { maxPending: 1, retryAfterSeconds: 2 } });
bounded.get('/hold', (request) => {
  handled++;
  request.background.add(() => held.wait);
  return 'ok';
});

let port = 0;
let boundedPort = 0;

function portOf(instance: FastifyInstance): number {
  return (instance.server.address() as { port: number }).port;
}

beforeAll(async () => {
  await Promise.all([app.listen({ port: 0, host: '127.0.0.1' }), bounded.listen({ port: 0, host: '127.0.0.1' })]);
  port = portOf(app);
  boundedPort = portOf(bounded);
});

afterAll(async () => {
  slow.release();
  held.release();
  await Promise.all([app.close(), bounded.close()]);
  await Promise.all([runner.drain({ timeoutMs: 1_000 }), boundedErrand.runner.drain({ timeoutMs: 1_000 })]);
});

describe('errand on Fastify: after-response tasks', () => {
  it('runs tasks after the response was fully written: the client has the whole body while the task is pending', async () => {
    events = [];
    const response = await send(port, '/slow-task');
    expect(response.text).toHaveLength(64 * 1024);
    events.push('client has the full response');
    expect(runner.stats().pending).toBe(1);
    slow.release();
    await runner.onIdle();
    expect(events.filter((event) => event !== 'task started (response finished: true)')).toEqual(['handler', 'client has the full response', 'task finished']);
    expect(events).toContain('task started (response finished: true)');
  });

  it('judges `when` against the error response of a route that threw', async () => {
    events = [];
    const response = await send(port, '/fails', { method: 'POST' });
    expect(response.status).toBe(500);
    await runner.onIdle();
    expect(events).toEqual(['failure task: db down', 'always task']);
  });

  it("reports a failing task to the registry's task-error handler with the request id and the request", async () => {
    reported.length = 0;
    const response = await send(port, '/mail', { method: 'POST', headers: { 'x-request-id': 'req-mail' } });
    expect(response.status).toBe(202);
    await runner.onIdle();
    expect(reported).toHaveLength(1);
    expect(reported[0].error).toBeInstanceOf(MailError);
    expect(reported[0].info).toMatchObject({ task: 'sendMail', requestId: 'req-mail', timedOut: false });
    expect((reported[0].info.context as FastifyRequest).url).toBe('/mail');
  });

  it('answers 503 ERRAND_OVERLOADED with Retry-After at the in-flight bound, before the handler runs', async () => {
    expect((await send(boundedPort, '/hold')).status).toBe(200);
    const refused = await send(boundedPort, '/hold', { headers: { 'x-request-id': 'req-503' } });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.json).toMatchObject({ status: 503, code: 'ERRAND_OVERLOADED', requestId: 'req-503' });
    expect(handled).toBe(1);
    held.release();
    await boundedErrand.runner.onIdle();
    expect((await send(boundedPort, '/hold')).status).toBe(200);
    await boundedErrand.runner.onIdle();
    expect(boundedErrand.runner.stats()).toMatchObject({ rejectedRequests: 1, succeeded: 2, pending: 0 });
  });

  it('drains pending tasks at shutdown, then refuses new requests with 503 ERRAND_SHUTTING_DOWN', async () => {
    const shutdownApp = Fastify();
    const installed = errand(shutdownApp, { mode: 'production', registry, logger: silent });
    const release = gate();
    const done: string[] = [];
    shutdownApp.get('/work', (request) => {
      request.background.add(async () => {
        await release.wait;
        done.push('finished');
      });
      return 'ok';
    });
    await shutdownApp.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await send(portOf(shutdownApp), '/work')).status).toBe(200);
      const draining = installed.runner.drain({ timeoutMs: 5_000 });
      const refused = await send(portOf(shutdownApp), '/work');
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ code: 'ERRAND_SHUTTING_DOWN' });
      release.release();
      const report = await draining;
      expect(report).toMatchObject({ finished: 1, interrupted: [], dropped: [] });
      expect(done).toEqual(['finished']);
    } finally {
      release.release();
      await shutdownApp.close();
    }
  });
});
