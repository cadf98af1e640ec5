import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ServiceConfig } from '../config.js';
import type { ServiceEnv } from '../service-env.js';
import { createStorageCap } from './storage-cap.js';
import { trustedProxies } from './trusted-proxies.js';
import { createWriteRateLimit } from './write-rate-limit.js';

/** The routes whose requests grow files of the data directory (service.db, users.txt, audit.log, the queue, uploads/). */
export const writingRoutes = ['/register', '/users', '/orders', '/upload'] as const;

/** What the limits answer, documented in each writing route's OpenAPI responses: 429 (with Retry-After) and 507. */
export const writeRefusals = [429, 507] as const;

/**
 * Puts the per-client rate limit (WRITE_RATE_LIMIT per WRITE_RATE_WINDOW_SECONDS, 429) and the
 * data directory's cap (DATA_MAX_BYTES, 507) in front of the writing routes' POSTs, before their
 * body is read or anything is written. An upload is refused when its largest size would take the
 * directory past the cap ({@link uploadBytes}). Mount before the routes.
 *
 * @example
 * mountWriteLimits(app, config)
 */
export function mountWriteLimits(app: Hono<ServiceEnv>, config: ServiceConfig): void {
  const { limit, windowSeconds, trustProxy } = config.writeRateLimit;
  const rateLimit = createWriteRateLimit({ limit, windowMs: windowSeconds * 1000, ...(trustProxy === '' ? {} : { trustedProxies: trustedProxies(trustProxy) }) });
  const storageCap = createStorageCap({ dir: config.dataDir, maxBytes: config.dataMaxBytes });
  for (const path of writingRoutes) {
    const cap = path === '/upload' ? storageCap.reserving((c) => uploadBytes(c, config.uploadLimitBytes)) : storageCap.whenFull;
    app.use(path, onPost(rateLimit), onPost(cap));
  }
}

/**
 * The most an upload can write: no more than its body, whose length Node holds the client to when
 * it declares one, and no more than one byte past UPLOAD_LIMIT_BYTES, where busboy stops it (413,
 * the partial file removed). A chunked body, of no declared length, counts as that whole limit.
 */
export function uploadBytes(c: Context, limitBytes: number): number {
  const declared = c.req.header('content-length');
  const ceiling = limitBytes + 1;
  return declared !== undefined && /^\d+$/.test(declared) ? Math.min(Number(declared), ceiling) : ceiling;
}

/** `handler` for POST requests; any other method goes straight on (405, GET /users). */
function onPost(handler: MiddlewareHandler): MiddlewareHandler {
  return async function whenPost(c, next) {
    return c.req.method === 'POST' ? handler(c, next) : next();
  };
}
