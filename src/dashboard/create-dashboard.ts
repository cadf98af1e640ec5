import { Hono } from 'hono';
import type { JobBackend } from '../jobs/backend.js';
import { createAccessControl, type DashboardAccess, type DashboardAuthOptions } from './access-control.js';
import { createApiRoutes } from './api-routes.js';
import { createCsrfProtection, issueCsrfToken } from './csrf.js';
import type { MailboxSource } from './mailbox.js';
import { renderPage } from './page-html.js';
import { pageScript } from './page-script.js';
import { pageStyle } from './page-style.js';
import type { TaskFailureSource } from './task-failure-log.js';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** Where jobs are read and acted on. Any backend: memory, sqlite, redis. */
  backend: JobBackend;
  /**
   * `dev` opens the dashboard without credentials to requests whose socket peer and Host header are
   * both loopback; `production` always requires credentials.
   * @default 'production'
   */
  mode?: 'dev' | 'production';
  /** Bearer token and/or basic credentials; required to reach the dashboard outside dev-on-localhost. @default {} */
  auth?: DashboardAuthOptions;
  /** Show job errors with their `stack` and `cause`. @default mode === 'dev' */
  debug?: boolean;
  /** Recent after-response task failures (see `createTaskFailureLog`). @default undefined (panel hidden) */
  taskFailures?: TaskFailureSource;
  /** The dev mailbox: a function returning messages, newest first. @default undefined (panel hidden) */
  mailbox?: MailboxSource;
  /** Origins besides the request's own Host allowed to send actions (e.g. behind a Host-rewriting proxy). @default [] */
  trustedOrigins?: readonly string[];
}

const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** The dashboard's mount path as the browser sees it, from the matched request path. */
function mountPath(requestPath: string, suffix: string): string {
  const path = requestPath.endsWith(suffix) ? requestPath.slice(0, requestPath.length - suffix.length) : requestPath;
  return path.replace(/\/+$/, '');
}

/**
 * The dashboard's path relative to the page's own URL, so its assets and API are found whatever
 * prefix a host or a proxy put before it: `.` when the URL ends with `/`, else `./<last segment>`
 * (`/ops/dashboard` → `./dashboard`).
 */
export function relativeBase(pagePath: string): string {
  if (pagePath.endsWith('/')) return '.';
  return `./${pagePath.slice(pagePath.lastIndexOf('/') + 1)}`;
}

/** Drops an empty token (an unset environment variable) and refuses empty basic credentials. */
function checkedAuth(auth: DashboardAuthOptions): DashboardAuthOptions {
  if (auth.basic !== undefined && (auth.basic.username === '' || auth.basic.password === '')) {
    throw new RangeError('createDashboard: auth.basic needs a non-empty username and password');
  }
  return auth.token === '' ? { ...auth, token: undefined } : auth;
}

/**
 * Creates the dashboard: a Hono app serving the page, its script and stylesheet, and the JSON API
 * under `/api`. Mount it where you like; it finds its own path from the request. Errors are thrown
 * as `ErrandError` (401 `ERRAND_UNAUTHORIZED`, 403 `ERRAND_CSRF`, 404 `ERRAND_JOB_NOT_FOUND`, …) for the
 * app's error registry to render as problem+json, so mount it on an app that uses errand's adapter.
 *
 * @example
 * const app = new Hono()
 * app.route('/dashboard', createDashboard({ backend, mode: 'dev', auth: { token: process.env.ERRAND_DASHBOARD_TOKEN } }))
 * serve({ fetch: app.fetch, port: 3000 }) // @hono/node-server: needed for the localhost check
 */
export function createDashboard(options: DashboardOptions): Hono<{ Variables: { errandDashboardAccess: DashboardAccess } }> {
  const mode = options.mode ?? 'production';
  const debug = options.debug ?? mode === 'dev';
  const app = new Hono<{ Variables: { errandDashboardAccess: DashboardAccess } }>();

  app.use('*', async function dashboardSecurityHeaders(c, next) {
    await next();
    for (const [name, value] of Object.entries(securityHeaders)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  });
  app.use('*', createAccessControl({ mode, auth: checkedAuth(options.auth ?? {}) }));
  app.use('*', createCsrfProtection({ trustedOrigins: options.trustedOrigins ?? [] }));

  app.get('/', (c) => {
    const base = mountPath(c.req.path, '');
    const csrfToken = issueCsrfToken(c, `${base}/`);
    return c.html(renderPage({
      base: relativeBase(new URL(c.req.url).pathname),
      csrfToken,
      backendName: options.backend.name,
      mode,
      taskFailures: options.taskFailures !== undefined,
      mailbox: options.mailbox !== undefined,
    }));
  });
  app.get('/assets/dashboard.js', (c) => c.body(pageScript, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/dashboard.css', (c) => c.body(pageStyle, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.route('/api', createApiRoutes({ backend: options.backend, debug, taskFailures: options.taskFailures, mailbox: options.mailbox }));
  return app;
}
