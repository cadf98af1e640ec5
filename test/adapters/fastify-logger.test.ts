import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { errand } from '../../src/adapters/fastify/errand.js';
import { genReqId } from '../../src/adapters/fastify/gen-req-id.js';
import { sendRequest } from '../../src/testing/adapter-conformance-client.js';

it("logs a request under one id when the Fastify app has its own logger, and takes app.log", async () => {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  const app = Fastify({ loggerInstance: pino({ level: 'info' }, stream), genReqId });
  // Compiles: the app's own logger is accepted.
  const { runner } = errand(app, { logger: app.log, mode: 'production' });
  app.get('/work', (request) => {
    request.logger.info('working');
    throw new Error('it broke');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const response = await sendRequest((app.server.address() as AddressInfo).port, { path: '/work', headers: { 'x-request-id': 'one-id-1' } });
    expect(response.status).toBe(500);
    expect(response.headers['x-request-id']).toBe('one-id-1');
    expect(response.json).toMatchObject({ requestId: 'one-id-1' });
    const mine = lines.filter((line) => line.reqId === 'one-id-1' || line.requestId === 'one-id-1');
    // Fastify's own lines (incoming request, request completed), errand's request log and its 500.
    expect(mine.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'working', 'request completed']));
    for (const line of mine) {
      expect(line.reqId).toBe('one-id-1');
      if ('requestId' in line) expect(line.requestId).toBe('one-id-1');
    }
    const ids = new Set(lines.flatMap((line) => [line.reqId, line.requestId]).filter((id) => id !== undefined));
    expect([...ids]).toEqual(['one-id-1']);
  } finally {
    await app.close();
    await runner.drain({ timeoutMs: 1_000 });
  }
});

it("issues one id per request with errand's genReqId and no Fastify logger: X-Request-Id is request.id and the ids count up by one", async () => {
  const app = Fastify({ genReqId });
  const { runner } = errand(app, { mode: 'production' });
  const seen: string[] = [];
  app.get('/who', (request) => {
    seen.push(request.id);
    return { requestId: request.requestId };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const port = (app.server.address() as AddressInfo).port;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await sendRequest(port, { path: '/who' });
      expect(response.status).toBe(200);
      const id = String(response.headers['x-request-id']);
      expect(response.json).toEqual({ requestId: id });
      ids.push(id);
    }
    expect(ids).toEqual(seen);
    const counters = ids.map((id) => Number(id.slice(id.lastIndexOf('-') + 1)));
    expect(counters.slice(1).map((n, i) => n - counters[i])).toEqual([1, 1]);
  } finally {
    await app.close();
    await runner.drain({ timeoutMs: 1_000 });
  }
});
