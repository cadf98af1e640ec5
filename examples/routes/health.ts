import type { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { jsonAnswer } from '../api-docs.js';
import type { ServiceEnv } from '../service-env.js';

/**
 * `GET /healthz`: 200 `{"status":"ok","pid"}` while the process serves requests. The pid shows
 * which `--workers` process answered.
 */
const health = z.object({ status: z.literal('ok'), pid: z.number().int().meta({ description: 'The process that answered.' }) });

export function healthRoutes(app: Hono<ServiceEnv>): void {
  const documented = describeRoute({ summary: 'Liveness: the process serves requests', responses: { 200: jsonAnswer('The process is up', health) } });
  app.get('/healthz', documented, (c) => c.json({ status: 'ok', pid: process.pid }));
}
