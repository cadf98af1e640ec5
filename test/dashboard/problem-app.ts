/**
 * The parent app of dashboard tests: a Hono app with errand's adapter installed, so errors thrown by
 * the dashboard are rendered by the real error registry (problem+json, headers, request ids).
 */
import { Hono } from 'hono';
import { pino } from 'pino';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';

export function createProblemApp(): Hono<ErrandEnv> {
  const app = new Hono<ErrandEnv>();
  errand(app, { mode: 'production', logger: pino({ level: 'silent' }) });
  return app;
}
