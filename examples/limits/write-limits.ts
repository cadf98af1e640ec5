import type { Hono, MiddlewareHandler } from 'hono';
import type { ServiceConfig } from '../config.js';
import type { ServiceEnv } from '../service-env.js';
import { createStorageCap } from './storage-cap.js';
import { createWriteRateLimit } from './write-rate-limit.js';

/** The routes whose requests grow files of the data directory (service.db, users.txt, audit.log, the queue). */
export const writingRoutes = ['/register', '/users', '/orders'] as const;

/** What the limits answer, documented in each writing route's OpenAPI responses: 429 (with Retry-After) and 507. */
export const writeRefusals = [429, 507] as const;

/**
 * Puts the per-client rate limit (WRITE_RATE_LIMIT per WRITE_RATE_WINDOW_SECONDS, 429) and the
 * data directory's cap (DATA_MAX_BYTES, 507) in front of the writing routes' POSTs, before their
 * body is read or anything is written. Mount before the routes.
 *
 * @example
 * mountWriteLimits(app, config)
 */
export function mountWriteLimits(app: Hono<ServiceEnv>, config: ServiceConfig): void {
  const rateLimit = createWriteRateLimit({ limit: config.writeRateLimit.limit, windowMs: config.writeRateLimit.windowSeconds * 1000 });
  const storageCap = createStorageCap({ dir: config.dataDir, maxBytes: config.dataMaxBytes });
  for (const path of writingRoutes) app.use(path, onPost(rateLimit), onPost(storageCap));
}

/** `handler` for POST requests; any other method goes straight on (405, GET /users). */
function onPost(handler: MiddlewareHandler): MiddlewareHandler {
  return async function whenPost(c, next) {
    return c.req.method === 'POST' ? handler(c, next) : next();
  };
}
