import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import type { ObservedRequest } from '../../metrics/observed-request.js';
import { answeredError, observeAnswered } from '../../metrics/answered-errors.js';

/**
 * A Fastify plugin recording every request of the app in errand's HTTP metrics (`createMetrics()`
 * of errand/metrics): requests and durations by method, route pattern and status, errors by status,
 * class and code, as on Hono. Its hooks apply to the whole app (the plugin is not encapsulated).
 *
 * @example
 * const metrics = createMetrics({ backend });
 * await app.register(httpMetrics(metrics));
 */
export function httpMetrics(metrics: { observe(request: ObservedRequest): void }): FastifyPluginCallback {
  observeAnswered();
  const plugin = function errandHttpMetrics(app: FastifyInstance, _options: unknown, done: (error?: Error) => void): void {
    app.addHook('onResponse', function errandObserve(request, reply, next) {
      metrics.observe({
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
        error: answeredError(request.raw),
      });
      next();
    });
    done();
  };
  // Fastify's documented way (what fastify-plugin does) to give a plugin's hooks to its parent.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
