import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/fastify/errand.js';
import { gate, send } from './client.js';
import { MailError, taskContract, taskScenario } from './task-contract.js';

const scenario = taskScenario();
const { silent, registry, events, slow, held, handled } = scenario;

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
  handled.count++;
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
  taskContract({ scenario, port: () => port, boundedPort: () => boundedPort, runner, boundedRunner: boundedErrand.runner, contextPath: (context) => (context as FastifyRequest).url });

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
