import type { Context, MiddlewareHandler } from 'hono';
import { payloadTooLarge } from '../../errors/payload-too-large.js';
import { requestHeader } from './node-headers.js';

/**
 * Rejects a body over `maxBytes` with 413 without reading it all: a `Content-Length` over the
 * limit is refused before any byte is read (Node's parser never delivers more than the declared
 * length); a chunked body is read only up to the limit, then buffered for the route.
 *
 * @throws ErrandError `ERRAND_PAYLOAD_TOO_LARGE`
 */
export async function enforceBodyLimit(c: Context, maxBytes: number): Promise<void> {
  await checkBodyLimit(c, maxBytes);
}

/**
 * {@link enforceBodyLimit} without a promise when the headers decide (a `Content-Length`, or no
 * body at all: every GET): returns `undefined` then, or throws 413. Only a chunked body returns the
 * promise of reading it up to the limit. For middleware on every request, where an `await` counts.
 *
 * @throws ErrandError `ERRAND_PAYLOAD_TOO_LARGE`
 */
export function checkBodyLimit(c: Context, maxBytes: number): Promise<void> | undefined {
  const length = requestHeader(c, 'content-length');
  if (length !== undefined) {
    if (Number(length) > maxBytes) throw payloadTooLarge(maxBytes);
    return undefined;
  }
  if (requestHeader(c, 'transfer-encoding') === undefined) return undefined;
  return readUpTo(c, maxBytes);
}

async function readUpTo(c: Context, maxBytes: number): Promise<void> {
  const body = c.req.raw.body;
  if (body === null) return;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, size) });
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
    await enforceBodyLimit(c, maxBytes);
    await next();
  };
}
