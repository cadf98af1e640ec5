import { request, type IncomingHttpHeaders } from 'node:http';

/** A response as the client received it, once it ended (or the server cut it off). */
export interface PeerResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; `undefined` when it is not JSON. */
  json: unknown;
  /** The server closed the connection before the body ended. */
  cutOff: boolean;
}

/** A request: an object body is sent as JSON, a string as is, always with its Content-Length. */
export interface PeerRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Record<string, unknown> | unknown[];
  /** Sends `Content-Length: 0` and no body, as fetch, node:http and httpx do for a bodiless POST. */
  empty?: true;
}

export type PeerClient = (path: string, options?: PeerRequest) => Promise<PeerResponse>;

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A client for one server: each call is one request on a fresh connection (nothing stays open). */
export function peerClient(port: number): PeerClient {
  return (path, options = {}) => {
    const isObject = typeof options.body === 'object' && !Buffer.isBuffer(options.body);
    const body = isObject ? JSON.stringify(options.body) : (options.body as string | Buffer | undefined);
    const headers: Record<string, string> = { ...options.headers };
    if (isObject && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    if (options.empty) headers['content-length'] = '0';
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers }, (res) => {
        const chunks: Buffer[] = [];
        let cutOff = false;
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text), cutOff });
        };
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('aborted', () => (cutOff = true));
        res.on('error', () => {
          cutOff = true;
          done();
        });
        res.on('end', done);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

/** Waits until `condition()` holds (polling), failing after `timeoutMs`: never a fixed sleep. */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
