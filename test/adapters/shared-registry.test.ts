import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand as expressErrand } from '../../src/adapters/express/errand.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import { errand as honoErrand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { serve, type ErrandServer } from '../../src/adapters/hono/serve.js';
import { createErrorRegistry } from '../../src/errors/error-registry.js';
import type { ProblemFormat } from '../../src/errors/render-problem.js';
import { closeServer, portOf, send } from './client.js';

class TeapotError extends Error {
  override name = 'TeapotError';
}

const silent = pino({ level: 'silent' });
// A framework-free registry: every adapter accepts it as it is.
const registry = createErrorRegistry({ logger: silent });
registry.on(TeapotError, (error) => ({ status: 418, detail: `Oops! ${error.message} did something wrong.` }));
class GoneError extends Error {}
// Reads the web Request (the Fastify and Express adapters build it only when it is read).
registry.on(GoneError, (_error, { request }) => ({ status: 410, detail: `${request.method} ${new URL(request.url).pathname} is gone (${String(request.headers.get('x-request-id'))})` }));
registry.on(404, (_error, { problem }) => new Response(JSON.stringify({ error: `nothing lives at ${problem.instance}` }), { status: 404, headers: { 'content-type': 'application/json' } }));
const format: ProblemFormat = (problem) => ({ error: problem.detail, code: problem.code, requestId: problem.requestId });

const ports: Record<'hono' | 'fastify' | 'express', number> = { hono: 0, fastify: 0, express: 0 };

const hono = new Hono<ErrandEnv>();
honoErrand(hono, { mode: 'production', registry, logger: silent, format });
hono.get('/teapot', () => {
  throw new TeapotError('the pot');
});
hono.get('/items', (c) => c.json([]));
hono.get('/crash', () => {
  throw new Error('internal detail');
});
hono.get('/gone', () => {
  throw new GoneError();
});

const fastify = Fastify();
fastifyErrand(fastify, { mode: 'production', registry, logger: silent, format });
fastify.get('/teapot', () => {
  throw new TeapotError('the pot');
});
fastify.get('/items', () => []);
fastify.get('/crash', () => {
  throw new Error('internal detail');
});
fastify.get('/gone', () => {
  throw new GoneError();
});

const app = express();
expressErrand(app, { mode: 'production', registry, logger: silent, format });
app.get('/teapot', () => {
  throw new TeapotError('the pot');
});
app.get('/items', (_req, res) => void res.json([]));
app.get('/crash', () => {
  throw new Error('internal detail');
});
app.get('/gone', () => {
  throw new GoneError();
});

let honoServer: ErrandServer;
let expressServer: Server;

beforeAll(async () => {
  honoServer = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1', signals: false, logger: silent });
  expressServer = app.listen(0, '127.0.0.1');
  await Promise.all([fastify.listen({ port: 0, host: '127.0.0.1' }), new Promise((resolve) => expressServer.once('listening', resolve))]);
  ports.hono = (await honoServer.listening).port;
  ports.fastify = (fastify.server.address() as { port: number }).port;
  ports.express = portOf(expressServer);
});

afterAll(async () => {
  await Promise.all([honoServer.shutdown({ timeoutMs: 1_000 }), fastify.close(), closeServer(expressServer)]);
});

async function everywhere(path: string, method = 'GET') {
  const answers = await Promise.all((['hono', 'fastify', 'express'] as const).map((name) => send(ports[name], path, { method, headers: { 'x-request-id': `req-${name}` } })));
  return answers.map((response) => ({ status: response.status, contentType: response.headers['content-type'], allow: response.headers.allow, body: response.json }));
}

describe('one registry shared by Hono, Fastify and Express apps', () => {
  it('answers a custom class the same way on all three, in the format option', async () => {
    const [honoAnswer, ...others] = await everywhere('/teapot');
    expect(honoAnswer).toMatchObject({ status: 418, contentType: 'application/json', body: { error: 'Oops! the pot did something wrong.', requestId: 'req-hono' } });
    for (const answer of others) expect({ ...answer, body: { ...answer.body, requestId: 'req-hono' } }).toEqual(honoAnswer);
  });

  it('gives handlers the failed request as a web Request on all three', async () => {
    const answers = await everywhere('/gone');
    expect(answers.map((answer) => [answer.status, answer.body.error])).toEqual(
      (['hono', 'fastify', 'express'] as const).map((name) => [410, `GET /gone is gone (req-${name})`]),
    );
  });

  it('hides an unexpected error the same way on all three', async () => {
    const answers = await everywhere('/crash');
    for (const answer of answers) expect(answer).toMatchObject({ status: 500, body: { code: 'ERRAND_INTERNAL', error: expect.stringContaining('An unexpected error occurred') } });
    expect(JSON.stringify(answers)).not.toContain('internal detail');
  });

  it("runs the registry's 404 handler on all three, and answers 405 with the same Allow", async () => {
    const missing = await everywhere('/nowhere');
    for (const answer of missing) expect(answer).toMatchObject({ status: 404, body: { error: 'nothing lives at /nowhere' } });
    const wrongMethod = await everywhere('/items', 'POST');
    for (const answer of wrongMethod) expect(answer).toMatchObject({ status: 405, allow: 'GET, HEAD', body: { code: 'ERRAND_METHOD_NOT_ALLOWED' } });
  });
});
