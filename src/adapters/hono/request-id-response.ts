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

/**
 * `headers` with `name: value` added unless it already has that header, as a new flat list
 * (`[name, value, …]`, which `writeHead` takes as well as an object): the caller's object may be
 * shared, so it is not changed. A list, not a copy of the object: the object copy
 * (`{ ...headers, [name]: value }`) tripled the bytes promoted to V8's old generation per request
 * (errand-hono GET, `node --trace-gc-nvp` under wrk: 98-108 bytes per request, 26 with the list).
 */
function withHeader(headers: HeaderArg, name: string, value: string): HeaderArg {
  const lower = name.toLowerCase();
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === lower) return headers;
    return [...headers, name, value];
  }
  const list: (OutgoingHttpHeader | undefined)[] = [];
  for (const key in headers) {
    // A name of another length cannot match: most names are never lower-cased.
    if (key.length === lower.length && key.toLowerCase() === lower) return headers;
    list.push(key, headers[key]);
  }
  list.push(name, value);
  // Node validates every value as it did in the object (an `undefined` value is refused alike).
  return list as OutgoingHttpHeader[];
}
