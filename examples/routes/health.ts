import type { Hono } from 'hono';
import type { ServiceEnv } from '../service-env.js';

/**
 * `GET /healthz`: 200 `{"status":"ok","pid"}` while the process serves requests. The pid shows
 * which `--workers` process answered.
 */
export function healthRoutes(app: Hono<ServiceEnv>): void {
  app.get('/healthz', (c) => c.json({ status: 'ok', pid: process.pid }));
}
