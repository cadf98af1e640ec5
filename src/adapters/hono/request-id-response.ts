import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

import { writesRequestId, type RequestIdWriter } from './node-headers.js';

/** The headers argument of `writeHead`. */
export type HeaderArg = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/**
 * A Node `ServerResponse` that writes the request id header as part of `writeHead`, through Node's
 * public API only. Why: a header set with `setHeader()` at the start of each request (what errand
 * does on a plain response) moves Node's `writeHead(status, headers)` to its slower path, where
 * every header of the response goes through `setHeader` one by one. Here the id is merged into
 * the headers `writeHead` receives instead. `serve()` uses it; with @hono/node-server's own
 * `serve`, pass `serverOptions: { ServerResponse: RequestIdResponse }`.
 *
 * A header of the same name set by the app (with `setHeader` or in `writeHead`) wins.
 *
 * @example
 * import { serve } from '@hono/node-server';
 * serve({ fetch: app.fetch, port: 3000, serverOptions: { ServerResponse: RequestIdResponse } });
 */
export class RequestIdResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> implements RequestIdWriter {
  declare readonly [writesRequestId]: true;
  /** The header errand set for this response (`errand(app)` fills both in), written by `writeHead`. */
  requestIdHeader: string | undefined = undefined;
  requestId: string | undefined = undefined;

  override writeHead(statusCode: number, reason?: string | HeaderArg, headers?: HeaderArg): this {
    const name = this.requestIdHeader;
    const value = this.requestId;
    // As Node reads it: headers in the second argument, or in the third after a reason (even undefined).
    const given = typeof reason === 'string' ? headers : (reason ?? headers);
    const sent = name === undefined || value === undefined || this.hasHeader(name) ? given : withHeader(given, name, value);
    return typeof reason === 'string' ? super.writeHead(statusCode, reason, sent) : super.writeHead(statusCode, sent);
  }
}

Object.defineProperty(RequestIdResponse.prototype, writesRequestId, { value: true });

/** `headers` with `name: value` added unless it already has that header (a copy: the caller's object may be shared). */
function withHeader(headers: HeaderArg, name: string, value: string): HeaderArg {
  if (headers === undefined) return { [name]: value };
  const lower = name.toLowerCase();
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === lower) return headers;
    return [...headers, name, value];
  }
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers;
  return { ...headers, [name]: value };
}
