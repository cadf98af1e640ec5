/**
 * Requests Node's HTTP parser refuses, answered by errand over a real socket: `answerClientErrors`
 * on a plain Node server (as on Express), and Fastify's `clientErrorHandler` with the options of the
 * errand installed on the instance. test/security/*-hostile-requests.test.ts attack the three hosts'
 * production apps with the same requests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { answerClientErrors, type ClientErrorOptions } from '../../src/adapters/node/client-errors.js';
import { clientErrorHandler } from '../../src/adapters/fastify/client-error-handler.js';
import { errand as fastifyErrand } from '../../src/adapters/fastify/errand.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { rawRequest, sendRaw, type RawAnswer } from '../security/attack-client.js';
import { closeServer } from './client.js';

const badLine = 'GET/ nope\r\nHost: localhost\r\nAuthorization: Bearer s3cret-token\r\n\r\n';
const bigHeader = rawRequest('GET', '/x', { 'X-Big': 'a'.repeat(20 * 1024) });

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => closeServer(server)));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function plainServer(options: ClientErrorOptions, serverOptions: Parameters<typeof createServer>[0] = {}): Promise<number> {
  const server = createServer(serverOptions, (_req, res) => void res.end('routed'));
  answerClientErrors(server, options);
  return listen(server);
}

function body(answer: RawAnswer): Record<string, unknown> {
  return JSON.parse(answer.body) as Record<string, unknown>;
}

describe('answerClientErrors on a Node server', () => {
  it('answers a header block over maxHeaderSize with a 431 problem, a new request id and Connection: close, logged once at warn', async () => {
    const { logger, lines } = memoryLogger();
    const port = await plainServer({ mode: 'production', logger, generateRequestId: () => 'refused-1' });
    const answer = await sendRaw(port, bigHeader);
    expect(answer.timedOut).toBe(false);
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['x-request-id']).toBe('refused-1');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect(body(answer)).toEqual({
      type: 'about:blank',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: 'the request headers are too large or too many for the server',
      code: 'ERRAND_HEADERS_TOO_LARGE',
      requestId: 'refused-1',
    });
    const logged = lines.filter((line) => line.requestId === 'refused-1');
    expect(logged).toEqual([expect.objectContaining({ level: 40, status: 431, code: 'ERRAND_HEADERS_TOO_LARGE', parserCode: 'HPE_HEADER_OVERFLOW' })]);
  });

  it('never sends the parser message or the raw request in production', async () => {
    const port = await plainServer({ mode: 'production', logger: memoryLogger().logger });
    const answer = await sendRaw(port, badLine);
    expect(answer.status).toBe(400);
    expect(body(answer)).toMatchObject({ code: 'ERRAND_MALFORMED_REQUEST', detail: 'the request is not valid HTTP/1.1 and was refused before routing' });
    expect(answer.body).not.toMatch(/HPE_|Parse Error|s3cret|nope/);
  });

  it('adds the parser code and message to detail in debug mode, still without the raw request', async () => {
    const port = await plainServer({ mode: 'debug', logger: memoryLogger().logger });
    const answer = await sendRaw(port, badLine);
    expect(answer.status).toBe(400);
    expect(body(answer).detail).toMatch(/^the request is not valid HTTP\/1\.1 and was refused before routing \(HPE_INVALID_METHOD: Parse Error: .+\)$/);
    expect(answer.body).not.toMatch(/s3cret|"stack"/);
  });

  it("answers in the app's format and request id header", async () => {
    const port = await plainServer({ mode: 'production', format: 'fastapi', requestIdHeader: 'X-Correlation-Id', logger: memoryLogger().logger });
    const answer = await sendRaw(port, badLine);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-correlation-id']).toMatch(/^[\w.:-]+$/);
    expect(body(answer)).toEqual({ detail: 'the request is not valid HTTP/1.1 and was refused before routing' });
  });

  it("falls back to errand's problem when the app's formatter throws", async () => {
    const port = await plainServer({
      format: () => {
        throw new Error('formatter broke');
      },
      logger: memoryLogger().logger,
    });
    const answer = await sendRaw(port, badLine);
    expect(answer.status).toBe(400);
    expect(body(answer)).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_REQUEST' });
  });

  it('answers a request not received within requestTimeout with 408', async () => {
    const port = await plainServer({ mode: 'production', logger: memoryLogger().logger }, { requestTimeout: 300, headersTimeout: 300, connectionsCheckingInterval: 50 });
    // Headers begun and never finished.
    const answer = await sendRaw(port, 'GET /x HTTP/1.1\r\nHost: localhost\r\n');
    expect(answer.timedOut).toBe(false);
    expect(answer.status).toBe(408);
    expect(body(answer)).toMatchObject({ status: 408, title: 'Request Timeout', code: 'ERRAND_REQUEST_TIMEOUT' });
  });

  it('never writes into a response already started: the connection is closed and logged at debug', async () => {
    const { logger, lines } = memoryLogger();
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      req.resume();
    });
    answerClientErrors(server, { mode: 'production', logger });
    const port = await listen(server);
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // The head is out: now a chunk size that is not hex.
        if (Buffer.concat(chunks).includes('partial')) socket.write('zz\r\n');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.write('POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n');
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).not.toMatch(/HTTP\/1\.1 400|ERRAND_/);
    await eventually(() => expect(lines).toContainEqual(expect.objectContaining({ level: 20, parserCode: 'HPE_INVALID_CHUNK_SIZE', answered: false })));
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });

  it('answers once when installed twice on the same server', async () => {
    const { logger, lines } = memoryLogger();
    const server = createServer((_req, res) => void res.end());
    answerClientErrors(server, { logger });
    answerClientErrors(server, { logger });
    const answer = await sendRaw(await listen(server), badLine);
    expect(answer.status).toBe(400);
    expect(answer.body).not.toMatch(/HTTP\/1\.1 \d{3}/);
    expect(lines.filter((line) => line.code === 'ERRAND_MALFORMED_REQUEST')).toHaveLength(1);
  });

  it('lets requests the parser accepts through', async () => {
    const port = await plainServer({ logger: memoryLogger().logger });
    const answer = await sendRaw(port, rawRequest('GET', '/x'));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('routed');
  });
});

describe("Fastify's clientErrorHandler", () => {
  it('answers with the options of the errand installed on the instance, instead of Fastify', async () => {
    const { logger, lines } = memoryLogger();
    const app = Fastify({ clientErrorHandler });
    fastifyErrand(app, { mode: 'debug', logger, requestIdHeader: 'X-Trace', generateRequestId: () => 'fastify-refused' });
    app.get('/x', () => 'routed');
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answer = await sendRaw((app.server.address() as AddressInfo).port, bigHeader);
      expect(answer.status).toBe(431);
      expect(answer.headers['x-trace']).toBe('fastify-refused');
      expect(body(answer)).toMatchObject({ code: 'ERRAND_HEADERS_TOO_LARGE', requestId: 'fastify-refused' });
      expect(body(answer).detail).toMatch(/\(HPE_HEADER_OVERFLOW: /);
      // Fastify's own answer is replaced, not added.
      expect(answer.body).not.toMatch(/statusCode|HTTP\/1\.1 \d{3}/);
      expect(lines.filter((line) => line.requestId === 'fastify-refused')).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it("answers with errand's defaults on an instance without errand", async () => {
    const app = Fastify({ clientErrorHandler });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answer = await sendRaw((app.server.address() as AddressInfo).port, badLine);
      expect(answer.status).toBe(400);
      expect(answer.headers['x-request-id']).toMatch(/^[\w.:-]+$/);
      expect(body(answer)).toMatchObject({ code: 'ERRAND_MALFORMED_REQUEST', requestId: answer.headers['x-request-id'] });
    } finally {
      await app.close();
    }
  });
});
