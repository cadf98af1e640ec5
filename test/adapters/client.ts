import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** A response as the client received it, once its last byte arrived. */
export interface Received {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: Record<string, unknown>;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is (with its Content-Length); an object is sent as JSON. */
  body?: string | Record<string, unknown>;
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * One HTTP request over a real socket (no keep-alive agent, so nothing stays open), resolved when
 * the whole response body has arrived.
 */
export function send(port: number, path: string, options: SendOptions = {}): Promise<Received> {
  const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
  const headers: Record<string, string> = { ...options.headers };
  if (typeof options.body === 'object') headers['content-type'] ??= 'application/json';
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The port a listening Node server is bound to. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Closes a Node server and every connection it still holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** A promise to wait on and the function that releases it (a task that must stay pending). */
export function gate(): { wait: Promise<void>; release: () => void } {
  let release: () => void = () => {};
  const wait = new Promise<void>((resolve) => (release = resolve));
  return { wait, release };
}

/** What a request id errand made looks like (`newRequestId`: a random per-process prefix, then a counter). */
export const generatedId = /^[0-9a-z]{13}-\d+$/;
