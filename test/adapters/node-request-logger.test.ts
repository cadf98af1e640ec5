import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand as expressErrand } from '../../src/adapters/express/errand.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import type { ErrandLogger } from '../../src/logging/errand-logger.js';
import { closeServer, portOf, send } from './client.js';

/*
 * On Fastify and Express, a request's logger makes its child of the root logger when the request
 * first logs: an error answer whose outcome line is below the root's level makes none.
 */

// A pino root at `warn` that counts the children made from it.
function countingRoot() {
  const lines: Record<string, unknown>[] = [];
  const root = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  let children = 0;
  const logger: ErrandLogger & { isLevelEnabled(level: string): boolean } = {
    debug: (fields: object | string, message?: string) => (typeof fields === 'string' ? root.debug(fields) : root.debug(fields, message)),
    info: (fields: object | string, message?: string) => (typeof fields === 'string' ? root.info(fields) : root.info(fields, message)),
    warn: (fields: object | string, message?: string) => (typeof fields === 'string' ? root.warn(fields) : root.warn(fields, message)),
    error: (fields: object | string, message?: string) => (typeof fields === 'string' ? root.error(fields) : root.error(fields, message)),
    child(bindings) {
      children++;
      return root.child(bindings);
    },
    isLevelEnabled: (level) => root.isLevelEnabled(level),
  };
  return { logger, lines, children: () => children };
}

const onFastify = countingRoot();
const fastify = Fastify();
fastifyErrand(fastify, { mode: 'production', logger: onFastify.logger });
fastify.get('/logs', (request) => {
  request.logger.warn('working');
  return { ok: true };
});
fastify.get('/fails', () => {
  throw new Error('it broke');
});

const onExpress = countingRoot();
const app = express();
expressErrand(app, { mode: 'production', logger: onExpress.logger });
app.get('/logs', (req, res) => {
  req.logger.warn('working');
  res.json({ ok: true });
});
app.get('/fails', () => {
  throw new Error('it broke');
});

const hosts = { fastify: { ...onFastify, port: 0 }, express: { ...onExpress, port: 0 } };
let expressServer: Server;

beforeAll(async () => {
  expressServer = app.listen(0, '127.0.0.1');
  await Promise.all([fastify.listen({ port: 0, host: '127.0.0.1' }), new Promise((resolve) => expressServer.once('listening', resolve))]);
  hosts.fastify.port = (fastify.server.address() as { port: number }).port;
  hosts.express.port = portOf(expressServer);
});

afterAll(async () => {
  await Promise.all([fastify.close(), closeServer(expressServer)]);
});

describe.each(['fastify', 'express'] as const)('the request logger on %s', (name) => {
  it('makes no child for a 404 whose outcome line is below the level', async () => {
    const host = hosts[name];
    const before = host.children();
    const answer = await send(host.port, '/no/such/route', { headers: { 'x-request-id': `${name}-miss` } });
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ requestId: `${name}-miss` });
    expect(host.children()).toBe(before);
    expect(host.lines.filter((line) => line.requestId === `${name}-miss`)).toEqual([]);
  });

  it('makes one child bound to the request id when the request logs', async () => {
    const host = hosts[name];
    const before = host.children();
    expect((await send(host.port, '/logs', { headers: { 'x-request-id': `${name}-logs` } })).status).toBe(200);
    expect(host.children()).toBe(before + 1);
    expect(host.lines.filter((line) => line.requestId === `${name}-logs`).map((line) => line.msg)).toEqual(['working']);
  });

  it('logs a 500 once, under the request id', async () => {
    const host = hosts[name];
    expect((await send(host.port, '/fails', { headers: { 'x-request-id': `${name}-fails` } })).status).toBe(500);
    const logged = host.lines.filter((line) => line.requestId === `${name}-fails`);
    expect(logged.map((line) => [line.level, line.status])).toEqual([[50, 500]]);
  });
});
