import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/express/errand.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { closeServer, portOf, send } from './client.js';

/*
 * Express's `bodyLimit` on chunked bodies (no Content-Length), over real sockets: errand counts the
 * body as it arrives, answers 413 at the first chunk past the limit, and whoever reads the body gets
 * no more of it, and no end.
 */

const limit = 1_000;
// errand counts the body as it reaches the readers: a reader gets at most the limit plus the rest of
// the chunk that crossed it. This client sends chunks of 100 bytes; a reader in flowing mode gets
// them one by one, one that calls `read()` (async iteration) may get several joined.
const seenByFlowingReader = limit + 100;
const seenByReadingReader = limit + 65_536;
const { logger, lines } = memoryLogger();
const uploads = mkdtempSync(join(tmpdir(), 'errand-chunked-'));

/** What the routes that read `req` themselves saw, by request id. */
const seen = new Map<string, { bytes: number; ended: boolean; failed?: string }>();

function makeApp() {
  const app = express();
  errand(app, { mode: 'production', logger, bodyLimit: limit });
  // A body parser with a limit far above errand's: errand's must be the one that holds.
  app.post('/json', express.json({ limit: '10mb' }), (req, res) => void res.status(201).json({ keys: Object.keys(req.body as object).length }));
  app.post('/raw', (req, res) => {
    // Reads `req` itself and listens for no error, as many upload routes do.
    const record = { bytes: 0, ended: false };
    seen.set(req.requestId, record);
    req.on('data', (chunk: Buffer) => (record.bytes += chunk.length));
    req.on('end', () => {
      record.ended = true;
      res.json({ bytes: record.bytes });
    });
  });
  app.post('/late', (req, res) => {
    // Starts reading only after a while: errand's counting must not have started the flow meanwhile.
    setTimeout(() => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => void res.json({ bytes }));
    }, 200);
  });
  app.post('/iterate', async (req, res) => {
    const record: { bytes: number; ended: boolean; failed?: string } = { bytes: 0, ended: false };
    seen.set(req.requestId, record);
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) record.bytes += chunk.length;
      record.ended = true;
      res.json({ bytes: record.bytes });
    } catch (error) {
      record.failed = error instanceof Error ? error.message : String(error);
      throw error;
    }
  });
  app.post('/upload', async (req, res) => {
    // Pipes the body to a file, as upload routes do: it must end (and close the file), never hang.
    const record: { bytes: number; ended: boolean; failed?: string } = { bytes: 0, ended: false };
    seen.set(req.requestId, record);
    req.on('data', (chunk: Buffer) => (record.bytes += chunk.length));
    try {
      await pipeline(req, createWriteStream(join(uploads, req.requestId)));
      record.ended = true;
      res.status(201).end();
    } catch (error) {
      record.failed = error instanceof Error ? error.message : String(error);
      throw error;
    }
  });
  app.post('/echo', (req, res) => {
    // Starts its answer before reading the body: no 413 can be sent any more.
    const record: { bytes: number; ended: boolean; failed?: string } = { bytes: 0, ended: false };
    seen.set(req.requestId, record);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.on('data', (chunk: Buffer) => (record.bytes += chunk.length));
    req.on('error', (error) => (record.failed = error.message));
    req.pipe(res);
  });
  return app;
}

interface RawExchange {
  /** Everything the server sent, as text. */
  response: string;
  /** How the connection ended: the server closed it, or it was reset. */
  ended: 'closed' | 'reset' | 'open';
  /** Body bytes the client managed to write. */
  written: number;
}

/**
 * Sends a chunked POST over a raw socket, `chunks` chunks of `chunkSize` bytes, one per event-loop
 * turn, reading the answer all along (as curl and browsers do). Ends the body with the zero chunk
 * unless `endless`, in which case it keeps sending until the server closes the connection (at most
 * `chunks` chunks). Resolves once the connection closed, or `settleMs` after the last write.
 */
function sendChunked(port: number, path: string, requestId: string, chunks: number, chunkSize: number, options: { endless?: boolean; settleMs?: number; stopAfter?: number } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let written = 0;
    let ended: RawExchange['ended'] = 'open';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ response, ended, written });
    };
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (response += text));
    socket.on('end', () => {
      ended = 'closed';
      finish();
    });
    socket.on('close', () => {
      if (ended === 'open') ended = 'closed';
      finish();
    });
    socket.on('error', () => {
      ended = 'reset';
      finish();
    });
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Request-Id: ${requestId}\r\n\r\n`);
    // A JSON object of many keys, so that any prefix a parser might get is not valid JSON.
    const piece = (n: number): string => (n === 0 ? '{' : ',') + `"k${n}":"${'x'.repeat(Math.max(chunkSize - 10 - String(n).length, 1))}"`.slice(0, chunkSize - 1);
    let sent = 0;
    const next = (): void => {
      if (done || socket.destroyed) return;
      if (sent === options.stopAfter) {
        // The client goes away mid-upload.
        setTimeout(finish, options.settleMs ?? 1_000).unref();
        return;
      }
      if (sent === chunks) {
        if (!options.endless) socket.write(sent === 0 ? '1\r\n{\r\n0\r\n\r\n' : '1\r\n}\r\n0\r\n\r\n');
        setTimeout(finish, options.settleMs ?? 1_000).unref();
        return;
      }
      const data = piece(sent);
      socket.write(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
      written += Buffer.byteLength(data);
      sent++;
      setImmediate(next);
    };
    next();
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

function bodyOf(response: string): Record<string, unknown> {
  const start = response.indexOf('\r\n\r\n');
  const text = response.slice(start + 4);
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(json) as Record<string, unknown>;
}

function errorsOf(requestId: string): Record<string, unknown>[] {
  return lines.filter((line) => line.requestId === requestId && Number(line.level) >= 50);
}

describe('Express bodyLimit on chunked bodies', () => {
  let server: Server;
  beforeAll(async () => {
    server = makeApp().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    await closeServer(server);
    rmSync(uploads, { recursive: true, force: true });
  });

  it('passes a chunked body within the limit to the body parser whole', async () => {
    const exchange = await sendChunked(portOf(server), '/json', 'small-1', 6, 100);
    expect(statusOf(exchange.response)).toBe(201);
    expect(bodyOf(exchange.response)).toEqual({ keys: 6 });
  });

  it('leaves the body whole for a route that starts reading it late', async () => {
    const exchange = await sendChunked(portOf(server), '/late', 'late-1', 6, 100);
    expect(statusOf(exchange.response)).toBe(200);
    // Every chunk written, and the closing brace.
    expect(bodyOf(exchange.response)).toEqual({ bytes: exchange.written + 1 });
  });

  it('answers 413 at the first chunk past the limit, before the client has finished sending', async () => {
    const exchange = await sendChunked(portOf(server), '/json', 'big-json', 40, 100);
    expect(statusOf(exchange.response)).toBe(413);
    expect(bodyOf(exchange.response)).toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE', requestId: 'big-json', detail: `the request body is larger than the ${limit}-byte limit` });
    expect(errorsOf('big-json')).toEqual([]);
    // The client finished its upload (read and thrown away, so nothing was reset), then the server
    // closed the connection: the body parser waiting on it ended too.
    expect(exchange.written).toBeGreaterThan(3_000);
    expect(exchange.ended).toBe('closed');
  });

  it('ends a route piping the body to a file, whether the client finishes its upload or goes away', async () => {
    const finished = await sendChunked(portOf(server), '/upload', 'upload-finished', 40, 100);
    expect(statusOf(finished.response)).toBe(413);
    await expect.poll(() => seen.get('upload-finished')?.failed).toBe(`the request body is larger than the ${limit}-byte limit`);
    const abandoned = await sendChunked(portOf(server), '/upload', 'upload-abandoned', 40, 100, { endless: true, settleMs: 200, stopAfter: 20 });
    expect(statusOf(abandoned.response)).toBe(413);
    await expect.poll(() => seen.get('upload-abandoned')?.failed).toBeDefined();
    for (const id of ['upload-finished', 'upload-abandoned']) {
      expect(seen.get(id)).toMatchObject({ ended: false });
      expect(seen.get(id)!.bytes).toBeLessThan(seenByFlowingReader);
      expect(errorsOf(id)).toEqual([]);
    }
  });

  it("fails the reader of a route that started its answer before the limit, since no 413 can follow", async () => {
    const exchange = await sendChunked(portOf(server), '/echo', 'echo', 40, 100, { endless: true });
    expect(statusOf(exchange.response)).toBe(200);
    expect(exchange.ended).not.toBe('open');
    await expect.poll(() => seen.get('echo')?.failed).toBe(`the request body is larger than the ${limit}-byte limit`);
    expect(seen.get('echo')!.bytes).toBeLessThan(seenByFlowingReader);
  });

  it('gives a route reading req itself no more than the chunk that crossed the limit and no end, so it never takes a cut-off body for a whole one', async () => {
    const exchange = await sendChunked(portOf(server), '/raw', 'big-raw', 40, 100);
    expect(statusOf(exchange.response)).toBe(413);
    const record = seen.get('big-raw');
    expect(record?.bytes).toBeLessThan(seenByFlowingReader);
    expect(record?.ended).toBe(false);
    expect(errorsOf('big-raw')).toEqual([]);
  });

  it('closes the connection of a client that goes on sending, and its readers end without an error log', async () => {
    const exchange = await sendChunked(portOf(server), '/iterate', 'endless', 5_000, 100, { endless: true });
    expect(statusOf(exchange.response)).toBe(413);
    expect(exchange.ended).not.toBe('open');
    // The limit, then at most 64 KiB thrown away, then a little in flight when the socket closed.
    expect(exchange.written).toBeLessThan(5_000 * 100);
    await expect.poll(() => seen.get('endless')?.failed).toBeDefined();
    expect(seen.get('endless')).toMatchObject({ ended: false });
    expect(seen.get('endless')!.bytes).toBeLessThan(seenByReadingReader);
    expect(errorsOf('endless')).toEqual([]);
  });

  it('still refuses a Content-Length over the limit before reading, and serves the next request', async () => {
    const refused = await send(portOf(server), '/json', { method: 'POST', body: { name: 'x'.repeat(2_000) } });
    expect(refused.status).toBe(413);
    const served = await send(portOf(server), '/json', { method: 'POST', body: { name: 'ok' } });
    expect(served.status).toBe(201);
  });
});

describe('Express bodyLimit on a chunked body errand refuses for another reason', () => {
  it('gives one answer: the 503 of a server shutting down, no 413 besides', async () => {
    const own = memoryLogger();
    const app = express();
    const installed = errand(app, { mode: 'production', logger: own.logger, bodyLimit: limit });
    app.post('/json', express.json({ limit: '10mb' }), (_req, res) => void res.status(201).end());
    await installed.runner.drain();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const exchange = await sendChunked(portOf(server), '/json', 'closing', 40, 100, { settleMs: 300 });
      expect([...exchange.response.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1])).toEqual(['503']);
      expect(own.lines.filter((line) => line.requestId === 'closing').map((line) => line.code)).toEqual(['ERRAND_SHUTTING_DOWN']);
    } finally {
      await closeServer(server);
    }
  });
});

describe('Express bodyLimit on a large chunked body', () => {
  // A full collection on demand, so that what is measured is what is held, not garbage.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const held = async (): Promise<number> => {
    collect();
    // Buffers' memory is released by a sweeper after the collection: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    collect();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };

  it('holds none of the body while it streams, answers 413 past the limit, and serves the next request', async () => {
    const big = 8 * 1_048_576;
    const app = express();
    errand(app, { mode: 'production', logger, bodyLimit: big });
    let counted = 0;
    let heldMidway = 0;
    const before = await held();
    app.post('/count', (req, res) => {
      req.on('data', (chunk: Buffer) => {
        const was = counted;
        counted += chunk.length;
        // Once, three quarters into the limit (the reader pausing meanwhile): a body kept anywhere
        // would weigh 6 MiB by now.
        if (was < big * 0.75 && counted >= big * 0.75) {
          req.pause();
          void held().then((now) => {
            heldMidway = now - before;
            req.resume();
          });
        }
      });
      req.on('end', () => void res.json({ counted }));
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const answer = await new Promise<{ response: string; sent: number }>((resolve) => {
        const socket = connect(portOf(server), '127.0.0.1');
        let response = '';
        let sent = 0;
        const chunk = Buffer.alloc(65_536, 'x');
        const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => (response += text));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ response, sent }));
        socket.write('POST /count HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nX-Request-Id: large-body\r\n\r\n');
        // Twice the limit, written as the socket drains (the client holds one chunk at a time).
        const pump = (): void => {
          while (sent < 2 * big && !socket.destroyed) {
            sent += chunk.length;
            if (!socket.write(frame)) {
              socket.once('drain', pump);
              return;
            }
          }
          if (!socket.destroyed) socket.end('0\r\n\r\n');
        };
        pump();
      });
      expect(statusOf(answer.response)).toBe(413);
      expect(bodyOf(answer.response)).toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE', requestId: 'large-body' });
      expect(counted).toBeGreaterThanOrEqual(big * 0.75);
      expect(counted).toBeLessThan(big + 65_536);
      expect(heldMidway).toBeLessThan(big / 4);
      const next = await send(portOf(server), '/count', { method: 'POST', body: { small: true } });
      expect(next.status).toBe(200);
    } finally {
      await closeServer(server);
    }
  });
});
