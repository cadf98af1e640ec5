import type { Context, MiddlewareHandler } from 'hono';
import { payloadTooLarge } from '../../errors/payload-too-large.js';
import { requestHeader } from './node-headers.js';

/**
 * Rejects a body over `maxBytes` with 413 without holding it: a `Content-Length` over the limit is
 * refused before any byte is read (Node's parser never delivers more than the declared length); a
 * chunked body reaches the route as it streams, its bytes counted on the way, and reading it fails
 * with the 413 at the first chunk past the limit (the route's `c.req.json()`, `text()` or stream
 * rejects with it, and errand answers it).
 *
 * @throws ErrandError `ERRAND_PAYLOAD_TOO_LARGE`
 */
export function enforceBodyLimit(c: Context, maxBytes: number): void {
  const length = requestHeader(c, 'content-length');
  if (length !== undefined) {
    if (Number(length) > maxBytes) throw payloadTooLarge(maxBytes);
    return;
  }
  if (requestHeader(c, 'transfer-encoding') === undefined) return;
  const body = c.req.raw.body;
  if (body === null) return;
  c.req.raw = new Request(c.req.raw, { body: countedBody(body, maxBytes), duplex: 'half' } as RequestInit);
}

/**
 * `body` read on demand (nothing is pulled until the route reads: an unread body is left to the
 * server to discard), erroring with the 413 once more than `maxBytes` went by.
 */
function countedBody(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        seen += value.byteLength;
        if (seen <= maxBytes) return controller.enqueue(value);
        controller.error(payloadTooLarge(maxBytes));
        await reader.cancel().catch(() => undefined);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Per-route body limit (tighter than the app-wide `bodyLimit` option of `errand()`, which is the
 * ceiling for every route).
 *
 * @default maxBytes none: required
 * @example
 * app.post('/avatar', bodyLimit(100_000), handler)
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  return async function errandBodyLimit(c, next) {
    enforceBodyLimit(c, maxBytes);
    await next();
  };
}
