import type { Context } from 'hono';

type RawHeaders = Record<string, string | string[] | undefined>;

/**
 * A request header, read from Node's already-parsed `incoming.headers` when running under
 * @hono/node-server (no `Headers` object is built for it), else from the web `Request`.
 * `name` must be lower case.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const env = c.env as unknown as { incoming?: { headers?: RawHeaders } } | undefined;
  const raw = env?.incoming?.headers;
  if (raw !== undefined) {
    const value = raw[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return c.req.raw.headers.get(name) ?? undefined;
}

/** The part of Node's `ServerResponse` errand writes headers to. */
export interface NodeOutgoing {
  setHeader(name: string, value: string): unknown;
  headersSent: boolean;
}

/** The Node response behind the request when served by @hono/node-server (`c.env.outgoing`), else `undefined`. */
export function nodeOutgoing(env: unknown): NodeOutgoing | undefined {
  const outgoing = (env as { outgoing?: Partial<NodeOutgoing> } | undefined)?.outgoing;
  return typeof outgoing?.setHeader === 'function' ? (outgoing as NodeOutgoing) : undefined;
}

/** Marks a Node response class that writes errand's request id itself (see `RequestIdResponse`). */
export const writesRequestId = Symbol.for('errand.writesRequestId');

/** A Node response that writes the request id in `writeHead` (a `RequestIdResponse`). */
export interface RequestIdWriter {
  readonly [writesRequestId]: true;
  requestIdHeader: string | undefined;
  requestId: string | undefined;
}

/**
 * Puts the request id on a Node response: in `writeHead` when it is a `RequestIdResponse` (Node's
 * fast path is kept), else with `setHeader`.
 */
export function putRequestId(outgoing: NodeOutgoing, name: string, requestId: string): void {
  const writer = requestIdWriter(outgoing);
  if (writer === undefined) outgoing.setHeader(name, requestId);
  else {
    writer.requestIdHeader = name;
    writer.requestId = requestId;
  }
}

/** `outgoing` when it writes the request id itself, else `undefined`. */
export function requestIdWriter(outgoing: NodeOutgoing): RequestIdWriter | undefined {
  return (outgoing as Partial<RequestIdWriter>)[writesRequestId] === true ? (outgoing as unknown as RequestIdWriter) : undefined;
}
