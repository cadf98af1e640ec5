import { request, type IncomingHttpHeaders } from 'node:http';

/** A request of the adapter conformance table. */
export interface ConformanceRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent with its `Content-Length`. */
  body?: string;
  /** Sent chunked (no `Content-Length`), one write per chunk. */
  chunks?: string[];
}

/** A response as the client received it, once it ended (or the server cut it short). */
export interface ConformanceResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, `undefined` when it is not JSON. */
  json: Record<string, unknown> | undefined;
  /** Whether the body ended cleanly (`false`: the server closed the connection mid-body). */
  complete: boolean;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * One request over a real socket (no keep-alive agent: nothing stays open), resolved when the
 * response ended or was cut short. A server that answers before the whole body was written (413)
 * may reset the upload: that write error is ignored once a response arrived.
 */
export function sendRequest(port: number, req: ConformanceRequest): Promise<ConformanceResponse> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request({ host: '127.0.0.1', port, path: req.path, method: req.method ?? 'GET', agent: false, headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let complete = false;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => (complete = true));
      res.on('error', () => undefined);
      res.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text), complete: complete && res.complete });
      });
    });
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (req.chunks !== undefined) {
      for (const chunk of req.chunks) outgoing.write(chunk);
      outgoing.end();
    } else outgoing.end(req.body);
  });
}
