import type { BlockList } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'errand/errors';
import { forwardedClient } from './trusted-proxies.js';

/** Options of {@link createWriteRateLimit}. */
export interface WriteRateLimitOptions {
  /** Requests one client may make per window; 0 turns the limit off. @default 60 */
  limit: number;
  /** @default 60_000 */
  windowMs: number;
  /** @default Date.now */
  now?: () => number;
  /**
   * The reverse proxies whose `X-Forwarded-For` names the client ({@link forwardedClient}); a
   * request from any other peer is counted by the peer's address, whatever it sends. @default none
   */
  trustedProxies?: BlockList;
  /** Which client a request counts against. @default {@link clientKey} with `trustedProxies` */
  key?: (c: Context) => string;
}

/**
 * The client a request counts against: its address as the socket sees it, an IPv6 address by its
 * /64 (one host gets a whole /64, and would otherwise get a fresh limit per address). Behind a
 * reverse proxy every client shares the proxy's address, unless the proxy is among
 * `trustedProxies`: then the client its `X-Forwarded-For` names. A request made in-process
 * (`app.request(...)`, no socket) counts as the client `'in-process'`.
 */
export function clientKey(c: Context, trustedProxies?: BlockList): string {
  // A request with no Node connection behind it (the app called in-process, `app.request(...)`)
  // has no address: getConnInfo would throw, a 500. Such callers count as one client.
  if ((c.env as { incoming?: unknown } | undefined)?.incoming === undefined) return 'in-process';
  const peer = getConnInfo(c).remote.address ?? 'unknown';
  return addressKey(trustedProxies === undefined ? peer : forwardedClient(peer, c.req.header('x-forwarded-for'), trustedProxies));
}

/**
 * The key of one client address: an IPv4 address (or an IPv4-mapped IPv6 one) as it is, an IPv6
 * address as its /64 prefix.
 *
 * @example
 * addressKey('2001:db8::1') // '2001:db8:0:0::/64'
 */
export function addressKey(address: string): string {
  if (!address.includes(':') || address.startsWith('::ffff:')) return address;
  const groups = expandIpv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('%')[0].split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const missing = address.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((group) => group.toLowerCase());
}

/**
 * A per-client limit for the routes that write to the data directory: at most `limit` requests per
 * fixed window of `windowMs`; past it 429 `SERVICE_RATE_LIMITED` (problem+json) with `Retry-After`,
 * the seconds until the window ends, and nothing written. Windows follow one another from the
 * limiter's creation and the counts are dropped at each new window, so memory holds one entry per client seen in the current
 * window. Counted per process: with `--workers N` a client gets up to N times `limit`.
 *
 * @example
 * app.on('POST', ['/register', '/users', '/orders'], createWriteRateLimit({ limit: 60, windowMs: 60_000 }))
 */
export function createWriteRateLimit(options: WriteRateLimitOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const epoch = now();
  let window = -1;
  let counts = new Map<string, number>();
  return async function writeRateLimit(c, next) {
    if (options.limit === 0) return next();
    const at = now();
    const current = Math.floor((at - epoch) / options.windowMs);
    if (current !== window) {
      window = current;
      counts = new Map();
    }
    const key = options.key === undefined ? clientKey(c, options.trustedProxies) : options.key(c);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > options.limit) {
      const retryAfter = Math.max(1, Math.ceil((epoch + (current + 1) * options.windowMs - at) / 1000));
      throw new HTTPException(429, `more than ${options.limit} writing requests in ${options.windowMs / 1000} s from this client; retry after ${retryAfter} s`, {
        code: 'SERVICE_RATE_LIMITED',
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    return next();
  };
}
