import type { Hono } from 'hono';
import { createDashboard } from 'errand/dashboard';
import { recordTaskFailures } from 'errand/dashboard';
import { createTaskFailureLog } from 'errand/dashboard';
import type { JobBackend } from 'errand/jobs';
import { createMetrics, type Metrics } from 'errand/metrics';
import type { TaskRunner } from 'errand/tasks';
import type { ServiceConfig } from './config.js';
import type { ServiceEnv } from './service-env.js';
import type { ServiceStore } from './store/service-store.js';
import { privateAccess } from './routes/private-access.js';

/**
 * Prometheus metrics for this process, behind the dashboard's access control (the token in
 * production). Call before any route so its middleware times every
 * request. (Under `--workers N` each process serves its own numbers at /metrics; the queue gauges
 * read the shared queue, so they agree.)
 */
export function mountMetrics(app: Hono<ServiceEnv>, backend: JobBackend, config: ServiceConfig): Metrics {
  const metrics = createMetrics({ backend });
  app.use('*', metrics.middleware);
  // The dashboard's access control: ERRAND_DASHBOARD_TOKEN in production, loopback only in dev.
  app.get('/metrics', privateAccess(config), metrics.handler);
  return metrics;
}

/**
 * The dashboard at /dashboard: jobs from the shared queue, this process's recent after-response
 * task failures, and the dev mailbox. In dev mode it is open without credentials to loopback
 * clients only; in production (NODE_ENV=production) it asks for ERRAND_DASHBOARD_TOKEN.
 */
export function mountDashboard(app: Hono<ServiceEnv>, options: { config: ServiceConfig; backend: JobBackend; runner: TaskRunner; store: ServiceStore }): void {
  const taskFailures = createTaskFailureLog({ capacity: 200 });
  recordTaskFailures(options.runner, taskFailures);
  // The page the dashboard polls every 2 s: the newest 50 messages, never the whole mailbox.
  const mailbox = () => options.store.pageMail({ limit: 50 }).messages.map((mail) => ({ ...mail, receivedAt: new Date(mail.receivedAt) }));
  const auth = options.config.dashboardToken === undefined ? {} : { token: options.config.dashboardToken };
  app.route('/dashboard', createDashboard({ backend: options.backend, mode: options.config.dashboardMode, auth, taskFailures, mailbox }));
  // Routing is strict: `/dashboard/` is another path. Send it to the page (whose links are relative to `/dashboard`).
  app.get('/dashboard/', (c) => c.redirect('/dashboard', 308));
}
