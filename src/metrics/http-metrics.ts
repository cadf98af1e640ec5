import type { Context } from 'hono';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { HonoContextLike, HonoMiddleware } from './hono-shapes.js';
import type { ObservedRequest } from './observed-request.js';
import { isRouteMiss } from '../errors/route-miss-error.js';
import { answeredError, observeAnswered } from './answered-errors.js';

/** Request metrics and the middleware that records them. */
export interface HttpMetrics {
  middleware: HonoMiddleware;
  /** Records one failed request by hand (for adapters other than Hono). */
  recordError(status: number, error: unknown): void;
  /** Records one answered request: what the Fastify and Express adapters' `httpMetrics` call. */
  observe(request: ObservedRequest): void;
}

export type { ObservedRequest } from './observed-request.js';

/** The name of an error's class, as a label (`'none'` when no error object was thrown). */
export function errorClassOf(error: unknown): string {
  if (error instanceof Error) return error.name !== 'Error' ? error.name : error.constructor.name;
  return error === undefined ? 'none' : typeof error;
}

/** The stable `ERRAND_…` code of an error, or `'none'`. */
export function errorCodeOf(error: unknown): string {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length <= 64 ? code : 'none';
}

/**
 * Most distinct `route` label values: each costs a counter and a histogram series per method and
 * status, kept until the process ends. An app with more route patterns than this sees the rest as
 * `route="other"`.
 */
export const maxRouteLabels = 500;

type RoutePath = (c: Context) => string;
let routePathOf: RoutePath | undefined;

/**
 * hono/route's `routePath`, imported on the middleware's first request: only a Hono app runs the
 * middleware, so errand/metrics loads without hono for Fastify and Express apps.
 */
async function loadRoutePath(): Promise<RoutePath> {
  const { routePath } = await import('hono/route');
  routePathOf = routePath;
  return routePath;
}

function statusOf(error: unknown): number {
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/**
 * Registers the HTTP metrics on `registry` and returns the Hono middleware that feeds them:
 * `errand_http_requests_total{method,route,status}`, `errand_http_request_duration_seconds`, and
 * `errand_http_errors_total{status,error_class,code}` for responses >= 400. `route` is the matched
 * route pattern (`/jobs/:id`), never the raw path, and at most {@link maxRouteLabels} distinct values
 * (then `other`), so label cardinality stays bounded.
 *
 * @example
 * const http = createHttpMetrics(registry, 'errand_')
 * app.use('*', http.middleware)
 */
export function createHttpMetrics(registry: Registry, prefix: string, buckets: number[]): HttpMetrics {
  const requests = new Counter({ name: `${prefix}http_requests_total`, help: 'HTTP requests answered, by method, route pattern and status.', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({ name: `${prefix}http_request_duration_seconds`, help: 'Time to produce the response (headers), by method, route pattern and status.', labelNames: ['method', 'route', 'status'], buckets, registers: [registry] });
  const errors = new Counter({ name: `${prefix}http_errors_total`, help: 'HTTP responses with status >= 400, by status, error class and errand error code.', labelNames: ['status', 'error_class', 'code'], registers: [registry] });

  function recordError(status: number, error: unknown): void {
    errors.inc({ status: String(status), error_class: errorClassOf(error), code: errorCodeOf(error) });
  }

  // Route labels seen so far: a host that reports a path instead of a pattern (Express under a mount
  // it cannot follow, a sub-app's for one: the mount path as the client spelled it, a parameter's
  // value included) must not let clients add series without end; past the bound, new routes count
  // as `other`.
  const routes = new Set<string>();

  function routeLabel(route: string | undefined): string {
    if (!route) return 'unmatched';
    if (routes.has(route)) return route;
    if (routes.size >= maxRouteLabels) return 'other';
    routes.add(route);
    return route;
  }

  function observe({ method, route, status, seconds, error }: ObservedRequest): void {
    const labels = { method, route: routeLabel(route), status: String(status) };
    requests.inc(labels);
    duration.observe(labels, seconds);
    if (status >= 400) recordError(status, error);
  }

  // Only Hono runs the middleware, so the context it gets is Hono's whole Context.
  // Hono's routePath names the last route that ran: for a request no route answered, a middleware
  // (`/*`). errand's notFound answered it with a route miss: `unmatched`, as on Fastify and Express.
  function record(routePath: RoutePath, c: HonoContextLike, status: number, started: number, thrown: unknown): void {
    const error = thrown ?? answeredError(c.req.raw);
    const route = isRouteMiss(error) ? undefined : routePath(c as Context);
    observe({ method: c.req.method, route, status, seconds: (performance.now() - started) / 1000, error });
  }

  observeAnswered();
  const middleware: HonoMiddleware = async function errandHttpMetrics(c, next) {
    const started = performance.now();
    const routePath = routePathOf ?? (await loadRoutePath());
    try {
      await next();
    } catch (error) {
      // No error handler inside us turned it into a response: count it as the outer handler will answer.
      record(routePath, c, statusOf(error), started, error);
      throw error;
    }
    // Hono's compose stores an error that onError turned into a response on c.error.
    record(routePath, c, c.res.status, started, c.error);
  };
  return { middleware, recordError, observe };
}
