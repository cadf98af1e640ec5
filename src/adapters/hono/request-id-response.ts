import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

import { writesRequestId, type RequestIdWriter } from './node-headers.js';

/** The headers argument of `writeHead`. */
export type HeaderArg = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

// Node's own table of headers set one by one (`setHeader`); null until the first one. Found on the
// first response rather than imported: it is internal to node:http.
let outHeadersKey: symbol | undefined | null;

function outHeadersOf(response: ServerResponse): unknown {
  if (outHeadersKey === undefined) outHeadersKey = Object.getOwnPropertySymbols(response).find((key) => key.description === 'kOutHeaders') ?? null;
  // Unknown layout (a future Node): report "set one by one", which is always correct, only slower.
  return outHeadersKey === null ? true : (response as unknown as Record<symbol, unknown>)[outHeadersKey];
}

// The lower-case form of the last header name asked for: an app uses one name for every response.
let lastName = '';
let lastLower = '';
function lowerCase(name: string): string {
  if (name !== lastName) {
    lastName = name;
    lastLower = name.toLowerCase();
  }
  return lastLower;
}

// Case-insensitive, without lower-casing keys that cannot match: `Content-Type` has the length of
// `x-request-id`, and lower-casing it allocated a string on every response.
function hasHeader(headers: OutgoingHttpHeaders, lowerName: string): boolean {
  const first = lowerName.charCodeAt(0) | 0x20;
  for (const key in headers) {
    if (key.length !== lowerName.length || (key.charCodeAt(0) | 0x20) !== first) continue;
    if (key === lowerName || key.toLowerCase() === lowerName) return true;
  }
  return false;
}

/**
 * A Node `ServerResponse` that writes the request id header as part of `writeHead`. Setting it with
 * `setHeader()` at the start of each request (what errand does on a plain response) turns Node's
 * `writeHead(status, headers)` onto its slow path: every header of the response is then validated
 * and copied through `setHeader` one by one. Here the id is merged into the headers `writeHead`
 * receives, so a response keeps Node's fast path. `serve()` uses it; with @hono/node-server's own
 * `serve`, pass `serverOptions: { ServerResponse: RequestIdResponse }`.
 *
 * A header of the same name set by the app wins.
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
    const sent = name === undefined || value === undefined ? given : this.#withId(given, name, value);
    return typeof reason === 'string' ? super.writeHead(statusCode, reason, sent) : super.writeHead(statusCode, sent);
  }

  #withId(headers: HeaderArg, name: string, value: string): HeaderArg {
    const table = outHeadersOf(this);
    if (table !== null && table !== undefined) {
      // Headers were set one by one: Node merges `headers` into them; add the id the same way.
      if (!this.hasHeader(name)) this.setHeader(name, value);
      return headers;
    }
    if (headers === undefined) return { [name]: value };
    const lower = lowerCase(name);
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === lower) return headers;
      return [...headers, name, value];
    }
    if (hasHeader(headers, lower)) return headers;
    // A copy: the caller's object may be shared between responses. Not `{ ...headers, [name]: value }`:
    // a spread with a computed key takes V8's slow path (over 1 µs, against ~50 ns for this).
    const copy: OutgoingHttpHeaders = Object.assign({}, headers);
    copy[name] = value;
    return copy;
  }
}

Object.defineProperty(RequestIdResponse.prototype, writesRequestId, { value: true });
