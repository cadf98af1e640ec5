import type { ServerResponse } from 'node:http';
import type { RenderedProblem } from '../../errors/render-problem.js';

// Headers a route may have set before it failed that describe a body the error response replaces.
const staleHeaders = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-range', 'content-disposition', 'etag', 'last-modified'];

/**
 * Writes a web `Response` (what errand's registry answers) to a Node response: status, headers
 * (several `Set-Cookie` kept apart) and body, replacing the content headers a failing route may
 * already have set. Does nothing when the response has started or the connection is gone by the time
 * the body is read. Never rejects.
 *
 * @example
 * await writeResponse(res, await registry.handle(error, input));
 */
export async function writeResponse(outgoing: ServerResponse, response: Response): Promise<void> {
  let body: Buffer | undefined;
  try {
    body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  } catch {
    // A handler's own streaming Response that failed: answer its status and headers, no body.
    body = undefined;
  }
  if (outgoing.headersSent || outgoing.destroyed) return;
  for (const name of staleHeaders) outgoing.removeHeader(name);
  outgoing.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') outgoing.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outgoing.setHeader('set-cookie', cookies);
  outgoing.setHeader('content-length', body?.byteLength ?? 0);
  outgoing.end(body);
}

/**
 * Writes errand's own rendered problem to a Node response through its public API: the same status,
 * headers and body as {@link writeResponse} gives the problem's `Response`, without building one.
 * Does nothing when the response has started or the connection is gone.
 *
 * @example
 * writeProblem(res, { status: 404, headers: { 'content-type': 'application/problem+json' }, body });
 */
export function writeProblem(outgoing: ServerResponse, problem: RenderedProblem): void {
  if (outgoing.headersSent || outgoing.destroyed) return;
  for (const name of staleHeaders) outgoing.removeHeader(name);
  outgoing.statusCode = problem.status;
  const headers = problem.headers;
  for (const name in headers) outgoing.setHeader(name, headers[name]);
  outgoing.setHeader('content-length', Buffer.byteLength(problem.body));
  outgoing.end(problem.body);
}

/**
 * Ends a response whose headers were already sent when an error happened, without a second
 * response: a chunked body is ended cleanly (the bytes sent stay); a body with a declared
 * `Content-Length` cannot be completed honestly, so its connection is closed and the client sees a
 * truncated response instead of waiting for bytes that will never come.
 *
 * @example
 * if (res.headersSent) endStartedResponse(res);
 */
export function endStartedResponse(outgoing: ServerResponse): void {
  if (outgoing.writableEnded || outgoing.destroyed) return;
  if (outgoing.hasHeader('content-length')) outgoing.destroy();
  else outgoing.end();
}
