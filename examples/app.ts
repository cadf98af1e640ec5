import { join } from 'node:path';
import { Hono } from 'hono';
import { pino, type Logger } from 'pino';
import { createLogDestination } from 'errand';
import { errand, type Errand } from 'errand/hono';
import type { JobBackend } from 'errand/jobs';
import { createQueue } from 'errand/jobs';
import type { TaskRunner } from 'errand/tasks';
import type { ServiceConfig } from './config.js';
import { LineWriter } from './files/line-writer.js';
import { mountWriteLimits } from './limits/write-limits.js';
import { createMailer } from './mail/mailer.js';
import type { Metrics } from 'errand/metrics';
import { mountApiDocs } from './api-docs.js';
import { mountDashboard, mountMetrics } from './observability.js';
import { openQueueBackend } from './queue-backend.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { mailboxRoutes } from './routes/mailbox.js';
import { customNotFound } from './routes/not-found.js';
import { orderRoutes } from './routes/orders.js';
import { registerRoutes } from './routes/register.js';
import { testExceptionRoutes } from './routes/test-exception.js';
import { uploadRoutes } from './routes/upload.js';
import { userRoutes } from './routes/users.js';
import type { ServiceEnv, ServiceRuntime } from './service-env.js';
import { openOrderBook } from './store/order-book.js';
import { ServiceStore } from './store/service-store.js';
import { createServiceTasks } from './tasks/service-tasks.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where mail goes: an `smtp://` URL (the built-in sink's, or SMTP_URL). */
  smtpUrl: string;
  /** The job backend; opened from the config (ERRAND_QUEUE or SQLite in the data dir) when omitted. */
  backend?: JobBackend;
  /** @default pino at LOG_LEVEL (default 'info') */
  logger?: Logger;
}

/** One process's service: the Hono app and everything it owns. */
export interface ServiceApp {
  app: Hono<ServiceEnv>;
  runtime: ServiceRuntime;
  errand: Errand;
  runner: TaskRunner;
  backend: JobBackend;
  /** This process's Prometheus metrics (served at /metrics). */
  metrics: Metrics;
  logger: Logger;
  /** Drains after-response tasks, then closes files, mail, store and (if it opened it) the backend. */
  close(): Promise<void>;
}

// The JSON routes set their own tighter limits; this ceiling is for uploads (plus multipart framing).
const framing = 64 * 1024;

/**
 * Builds the reference service's app for one process, without listening: routes, the error
 * registry with the custom 418 and 404 handlers, after-response tasks, the queue and the dashboard.
 * `server.ts` listens and runs the SMTP sink and the durable worker; tests can use `app.request()`.
 *
 * @example
 * const service = await createApp(loadConfig([], { ERRAND_DATA_DIR: dir }), { smtpUrl: sink.url })
 * const response = await service.app.request('/test/error') // 418
 */
export async function createApp(config: ServiceConfig, options: AppOptions): Promise<ServiceApp> {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' }, createLogDestination());
  const backend = options.backend ?? (await openQueueBackend(config));
  const app = new Hono<ServiceEnv>();
  const metrics = mountMetrics(app, backend, config);
  // Enqueues go through the instrumented backend so /metrics counts them by task.
  const queue = createQueue({ backend: metrics.jobs.instrument(backend) });
  const store = new ServiceStore(config.dataDir);
  const mailer = createMailer(options.smtpUrl);
  const users = new LineWriter(join(config.dataDir, 'users.txt'));
  const audit = new LineWriter(join(config.dataDir, 'audit.log'));
  const tasks = createServiceTasks({ store, mailer, users, audit });
  const orderBook = openOrderBook(backend, config.queueUrl);
  const runtime: ServiceRuntime = { config, store, users, tasks, queue, ...(orderBook === undefined ? {} : { orderBook }) };

  // Every request's c.var.background feeds errand's runner; task errors reach the same registry,
  // logged with the request id.
  const installed = errand(app, { logger, bodyLimit: config.uploadLimitBytes + framing, background: { queue, maxPending: 5_000 } });
  const runner = installed.runner;
  metrics.tasks.observe(runner);

  customNotFound(installed);
  mountWriteLimits(app, config);
  healthRoutes(app);
  testExceptionRoutes(app, installed);
  registerRoutes(app, runtime);
  mailboxRoutes(app, runtime);
  uploadRoutes(app, runtime);
  jobRoutes(app, queue);
  userRoutes(app, runtime);
  orderRoutes(app, runtime);
  mountDashboard(app, { config, backend, runner, store });
  mountApiDocs(app);

  return {
    app,
    runtime,
    errand: installed,
    runner,
    backend,
    metrics,
    logger,
    async close() {
      await runner.drain();
      await Promise.all([users.close(), audit.close()]);
      mailer.close();
      store.close();
      await orderBook?.close();
      if (options.backend === undefined) await backend.close();
    },
  };
}
