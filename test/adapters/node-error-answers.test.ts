import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand as expressErrand } from '../../src/adapters/express/errand.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import { HTTPException } from '../../src/errors/http-exception.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { closeServer, portOf, send } from './client.js';

/*
 * How the Fastify and Express adapters send an error answer, over real sockets: errand's own problem
 * (written to the Node response without a web Response), a handler's web Response, and a handler
 * that answers through the host's own reply (`reply` / `res`), which errand then leaves alone.
 */

class TeapotError extends Error {
  override name = 'TeapotError';
}
class ResponseError extends Error {
  override name = 'ResponseError';
}
class DeclinedError extends Error {
  override name = 'DeclinedError';
}

const { logger, lines } = memoryLogger();

const fastify = Fastify();
const onFastify = fastifyErrand(fastify, { mode: 'production', logger });
onFastify.registry
  .on(TeapotError, (error, { reply }) => reply.code(418).header('x-teapot', 'yes').send({ message: `Oops! ${error.message}` }))
  .on(ResponseError, () => Response.json({ via: 'response' }, { status: 409, headers: { 'retry-after': '7' } }))
  .on(DeclinedError, () => undefined);
fastify.addHook('onRequest', (_request, reply, done) => {
  // A header the app sets on every answer (CORS, say): an error answer keeps it.
  void reply.header('access-control-allow-origin', '*');
  done();
});
fastify.get('/teapot', () => {
  throw new TeapotError('the pot');
});
fastify.get('/response', () => {
  throw new ResponseError();
});
fastify.get('/declined', () => {
  throw new DeclinedError('declined');
});
fastify.get('/busy', () => {
  throw new HTTPException(503, 'come back later', { headers: { 'Retry-After': '3' } });
});
fastify.put('/only-put', () => ({ ok: true }));

const app = express();
const onExpress = expressErrand(app, { mode: 'production', logger });
onExpress.registry
  .on(TeapotError, (error, { res }) => res.status(418).set('x-teapot', 'yes').json({ message: `Oops! ${error.message}` }))
  .on(ResponseError, () => Response.json({ via: 'response' }, { status: 409, headers: { 'retry-after': '7' } }))
  .on(DeclinedError, () => undefined);
app.use((_req, res, next) => {
  res.set('access-control-allow-origin', '*');
  next();
});
app.get('/teapot', () => {
  throw new TeapotError('the pot');
});
app.get('/response', () => {
  throw new ResponseError();
});
app.get('/declined', () => {
  throw new DeclinedError('declined');
});
app.get('/busy', () => {
  throw new HTTPException(503, 'come back later', { headers: { 'Retry-After': '3' } });
});
app.put('/only-put', (_req, res) => void res.json({ ok: true }));

const ports = { fastify: 0, express: 0 };
let expressServer: Server;

beforeAll(async () => {
  expressServer = app.listen(0, '127.0.0.1');
  await Promise.all([fastify.listen({ port: 0, host: '127.0.0.1' }), new Promise((resolve) => expressServer.once('listening', resolve))]);
  ports.fastify = (fastify.server.address() as { port: number }).port;
  ports.express = portOf(expressServer);
});

afterAll(async () => {
  await Promise.all([fastify.close(), closeServer(expressServer)]);
});

function outcomes(requestId: string): Record<string, unknown>[] {
  return lines.filter((line) => line.requestId === requestId && typeof line.status === 'number');
}

describe.each(['fastify', 'express'] as const)('error answers on %s', (host) => {
  it("writes errand's own problem with its status, headers and body, keeping the app's headers", async () => {
    const id = `${host}-missing`;
    const answer = await send(ports[host], '/no/such/route', { headers: { 'x-request-id': id } });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.headers['x-request-id']).toBe(id);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(answer.json)));
    expect(answer.json).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no route matches GET /no/such/route', instance: '/no/such/route', code: 'ERRAND_NOT_FOUND', requestId: id });
    expect(outcomes(id).map((line) => line.status)).toEqual([404]);
  });

  it("sends an error's own headers (Allow on 405, Retry-After) with the problem", async () => {
    const wrong = await send(ports[host], '/only-put', { headers: { 'x-request-id': `${host}-405` } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('PUT');
    expect(wrong.headers['content-type']).toBe('application/problem+json');
    const busy = await send(ports[host], '/busy', { headers: { 'x-request-id': `${host}-503` } });
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('3');
    // A 5xx detail stays hidden in production.
    expect(busy.json).toMatchObject({ status: 503, title: 'Service Unavailable', requestId: `${host}-503` });
    expect(JSON.stringify(busy.json)).not.toContain('come back later');
  });

  it("leaves the answer to a handler that sent it through the host's reply, and logs its status once", async () => {
    const id = `${host}-teapot`;
    const answer = await send(ports[host], '/teapot', { headers: { 'x-request-id': id } });
    expect(answer.status).toBe(418);
    expect(answer.json).toEqual({ message: 'Oops! the pot' });
    expect(answer.headers['x-teapot']).toBe('yes');
    expect(answer.headers['x-request-id']).toBe(id);
    expect(outcomes(id).map((line) => line.status)).toEqual([418]);
  });

  it("sends a handler's web Response as it is, with the request id added", async () => {
    const id = `${host}-response`;
    const answer = await send(ports[host], '/response', { headers: { 'x-request-id': id } });
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({ via: 'response' });
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['retry-after']).toBe('7');
    expect(answer.headers['x-request-id']).toBe(id);
  });

  it('answers with the default problem when the handler declines', async () => {
    const id = `${host}-declined`;
    const answer = await send(ports[host], '/declined', { headers: { 'x-request-id': id } });
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.json).toMatchObject({ status: 500, code: 'ERRAND_INTERNAL', requestId: id });
  });
});
