/**
 * The one graceful shutdown on Fastify and Express, over a real socket: the in-flight request
 * finishes, its after-response task runs to its end, new connections are refused.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { errand as expressErrand } from '../../src/adapters/express/errand.js';
import { createGracefulShutdown } from '../../src/adapters/express/index.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import type { TaskRunner } from '../../src/tasks/task-runner.js';
import { sendRequest } from '../../src/testing/adapter-conformance-client.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `arrived` resolves once the host runs the handler of the first request. */
type Started = { server: Server; runner: TaskRunner; events: string[]; arrived: Promise<void> };

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

async function expressHost(): Promise<Started> {
  const events: string[] = [];
  const arrived = signal();
  const app = express();
  const { runner } = expressErrand(app, { logger: silent, mode: 'production' });
  app.get('/slow', async (req, res) => {
    arrived.resolve();
    req.background.add(async function afterSlow() {
      await sleep(100);
      events.push('task done');
    });
    await sleep(200);
    res.send('slow');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, runner, events, arrived: arrived.promise };
}

async function fastifyHost(): Promise<Started> {
  const events: string[] = [];
  const arrived = signal();
  const app = Fastify();
  const { runner } = fastifyErrand(app, { logger: silent, mode: 'production' });
  app.get('/slow', async (request) => {
    arrived.resolve();
    request.background.add(async function afterSlow() {
      await sleep(100);
      events.push('task done');
    });
    await sleep(200);
    return 'slow';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, runner, events, arrived: arrived.promise };
}

describe.each([
  ['express', expressHost],
  ['fastify', fastifyHost],
])('createGracefulShutdown on %s', (_name, start) => {
  it('lets the in-flight request finish, runs its task to the end, then refuses connections', async () => {
    const { server, runner, events, arrived } = await start();
    const port = (server.address() as AddressInfo).port;
    const shutdown = createGracefulShutdown({ server, runner, signals: false, logger: silent, timeoutMs: 5_000 });
    const slow = sendRequest(port, { path: '/slow' });
    // Shut down once the request is in the handler: after a fixed 50 ms, a loaded machine had not
    // yet accepted its connection, which closing the server then reset (ECONNRESET at load 30).
    await arrived;
    const report = await shutdown();
    events.push('shutdown returned');
    const response = await slow;
    expect(response.status).toBe(200);
    expect(response.text).toBe('slow');
    expect(events).toEqual(['task done', 'shutdown returned']);
    expect(report.tasks).toMatchObject({ finished: 1, interrupted: [], dropped: [] });
    await expect(sendRequest(port, { path: '/slow' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
