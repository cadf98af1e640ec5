import type { Server } from 'node:http';
import express, { type Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/express/errand.js';
import { closeServer, gate, portOf, send } from './client.js';
import { MailError, taskContract, taskScenario } from './task-contract.js';

const scenario = taskScenario();
const { silent, registry, events, slow, held, handled } = scenario;

const app = express();
const { runner } = errand(app, { mode: 'production', registry, logger: silent });
app.get('/slow-task', async (req, res) => {
  events.push('handler');
  req.background.add(async function waitsForTheTest() {
    events.push(`task started (response finished: ${res.writableFinished})`);
    await slow.wait;
    events.push('task finished');
  });
  // The task is added before the response is even started: it must still wait for its end.
  await new Promise((resolve) => setImmediate(resolve));
  res.type('text/plain').send('x'.repeat(64 * 1024));
});
app.post('/fails', (req) => {
  req.background.add(() => void events.push('success task'));
  req.background.add({ when: 'failure', name: 'recordFailure' }, (why: string) => void events.push(`failure task: ${why}`), 'db down');
  req.background.add({ when: 'always', name: 'audit' }, () => void events.push('always task'));
  throw new Error('database unavailable');
});
app.post('/mail', (req, res) => {
  req.background.add(function sendMail() {
    throw new MailError('smtp down');
  });
  res.status(202).send('queued');
});

const bounded = express();
const boundedErrand = errand(bounded, { mode: 'production', registry, logger: silent, background: { maxPending: 1, retryAfterSeconds: 2 } });
bounded.get('/hold', (req, res) => {
  handled.count++;
  req.background.add(() => held.wait);
  res.send('ok');
});

let server: Server;
let boundedServer: Server;

beforeAll(async () => {
  server = app.listen(0, '127.0.0.1');
  boundedServer = bounded.listen(0, '127.0.0.1');
  await Promise.all([server, boundedServer].map((s) => new Promise((resolve) => s.once('listening', resolve))));
});

afterAll(async () => {
  slow.release();
  held.release();
  await Promise.all([closeServer(server), closeServer(boundedServer)]);
  await Promise.all([runner.drain({ timeoutMs: 1_000 }), boundedErrand.runner.drain({ timeoutMs: 1_000 })]);
});

describe('errand on Express: after-response tasks', () => {
  taskContract({ scenario, port: () => portOf(server), boundedPort: () => portOf(boundedServer), runner, boundedRunner: boundedErrand.runner, contextPath: (context) => (context as Request).originalUrl });

  it('drains pending tasks at shutdown, then refuses new requests with 503 ERRAND_SHUTTING_DOWN', async () => {
    const shutdownApp = express();
    const installed = errand(shutdownApp, { mode: 'production', registry, logger: silent });
    const release = gate();
    const done: string[] = [];
    shutdownApp.get('/work', (req, res) => {
      req.background.add(async () => {
        await release.wait;
        done.push('finished');
      });
      res.send('ok');
    });
    const shutdownServer = shutdownApp.listen(0, '127.0.0.1');
    await new Promise((resolve) => shutdownServer.once('listening', resolve));
    try {
      expect((await send(portOf(shutdownServer), '/work')).status).toBe(200);
      const draining = installed.runner.drain({ timeoutMs: 5_000 });
      const refused = await send(portOf(shutdownServer), '/work');
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ code: 'ERRAND_SHUTTING_DOWN' });
      release.release();
      const report = await draining;
      expect(report).toMatchObject({ finished: 1, interrupted: [], dropped: [] });
      expect(done).toEqual(['finished']);
    } finally {
      release.release();
      await closeServer(shutdownServer);
    }
  });
});
