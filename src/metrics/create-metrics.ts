import { collectDefaultMetrics, Registry } from 'prom-client';
import type { JobBackend } from '../jobs/backend.js';
import { safeEqual } from '../dashboard/safe-equal.js';
import { ErrandError } from '../errors/errand-error.js';
import type { HonoHandler, HonoMiddleware } from './hono-shapes.js';
import { createHttpMetrics, type ObservedRequest } from './http-metrics.js';
import { createJobMetrics, type JobMetrics } from './job-metrics.js';
import { createQueueMetrics } from './queue-metrics.js';
import { createSeriesMetrics } from './series-metrics.js';
import { createTaskMetrics, type TaskMetrics } from './task-metrics.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Read queue depth and oldest waiting age from this backend at every scrape. @default undefined (no queue gauges) */
  backend?: JobBackend;
  /** Prefix of every metric name. @default 'errand_' */
  prefix?: string;
  /** Also collect Node.js process metrics (CPU, memory, event loop lag). @default false */
  collectDefault?: boolean;
  /** Histogram buckets in seconds, for requests, tasks and jobs. @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] */
  buckets?: number[];
  /** A bearer token the `/metrics` handler requires. @default undefined (open, the Prometheus convention) */
  token?: string;
}

/** What {@link createMetrics} returns. */
export interface Metrics {
  /** This instance's own registry (never prom-client's global one, so instances and tests never collide). */
  readonly registry: Registry;
  /** Hono middleware counting requests, durations, and errors by status and error class. Mount it first. */
  readonly middleware: HonoMiddleware;
  /** Hono handler serving the registry in Prometheus text format. */
  readonly handler: HonoHandler;
  /** After-response task metrics: `tasks.observe(runner)`. */
  readonly tasks: TaskMetrics;
  /** Durable job metrics: `jobs.observe(worker)`, `jobs.instrument(backend)`. */
  readonly jobs: JobMetrics;
  /** Records a failed request by hand (adapters other than Hono). */
  recordError(status: number, error: unknown): void;
  /** Records one answered request; `httpMetrics(metrics)` of errand/fastify and errand/express call it. */
  observe(request: ObservedRequest): void;
}

const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Creates Prometheus metrics for an errand app on a registry of its own: HTTP requests and errors,
 * after-response tasks, durable jobs, and queue gauges read from the backend at scrape time.
 *
 * @example
 * const metrics = createMetrics({ backend })
 * app.use('*', metrics.middleware)
 * app.get('/metrics', metrics.handler)
 * metrics.tasks.observe(taskRunner)
 * metrics.jobs.observe(worker)
 * const queue = createQueue({ backend: metrics.jobs.instrument(backend) })
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'errand_';
  const buckets = options.buckets ?? defaultBuckets;
  const registry = new Registry();
  if (options.collectDefault === true) collectDefaultMetrics({ register: registry, prefix });
  const http = createHttpMetrics(registry, prefix, buckets);
  const tasks = createTaskMetrics(registry, prefix, buckets);
  const jobs = createJobMetrics(registry, prefix, buckets);
  if (options.backend !== undefined) createQueueMetrics(registry, prefix, options.backend);
  const backend = options.backend;
  if (backend?.series !== undefined) createSeriesMetrics(registry, prefix, (since) => backend.series!(since));
  const { token } = options;

  const handler: HonoHandler = async function errandMetricsHandler(c) {
    if (token !== undefined) {
      const header = c.req.header('authorization') ?? '';
      if (!header.toLowerCase().startsWith('bearer ') || !safeEqual(header.slice(7).trim(), token)) {
        throw new ErrandError('ERRAND_UNAUTHORIZED', 'Scraping /metrics needs Authorization: Bearer <token>.', { headers: { 'WWW-Authenticate': 'Bearer realm="errand metrics"' } });
      }
    }
    const body = await registry.metrics();
    return new Response(body, { status: 200, headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' } });
  };

  return { registry, middleware: http.middleware, handler, tasks, jobs, recordError: (status, error) => http.recordError(status, error), observe: (request) => http.observe(request) };
}
