import { randomBytes } from 'node:crypto';

// Printable, log-safe and short: anything else from the outside is replaced, not trusted.
const saneId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The incoming request id when it is sane (1..128 of `A-Z a-z 0-9 . _ : -`), else `undefined`.
 *
 * @example
 * saneRequestId('abc-123') // 'abc-123'
 * saneRequestId('<script>') // undefined
 */
export function saneRequestId(value: string | string[] | null | undefined): string | undefined {
  return typeof value === 'string' && saneId.test(value) ? value : undefined;
}

// 64 random bits per process (per worker thread: each loads its own copy), as 13 base-36 digits.
const processPrefix = `${randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0')}-`;
let issued = 0;

/**
 * A new request id: a prefix drawn at random when the process starts, then a counter, e.g.
 * `3k9x0v7q1m2zb-42`. Unique within the process by the counter, and across processes and machines
 * by the 64-bit random prefix (two processes share one with odds of about 1 in 10^19), so logs of a
 * whole fleet can be joined on it; the prefix also tells which process served the request.
 *
 * The default of every adapter's `generateRequestId`. It costs a string concatenation per request,
 * where `crypto.randomUUID()` costs about as much as the rest of errand's per-request work (measured
 * with callgrind: about 5,500 instructions per request on a Hono route). Ids are sequential, so they
 * are not secrets: never use a request id to authorize anything. Pass `crypto.randomUUID` for UUIDs.
 *
 * @example
 * errand(app, { generateRequestId: newRequestId }) // the default
 * errand(app, { generateRequestId: () => crypto.randomUUID() })
 */
export function newRequestId(): string {
  return processPrefix + ++issued;
}
