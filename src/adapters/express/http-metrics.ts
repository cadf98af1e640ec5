import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ObservedRequest } from '../../metrics/observed-request.js';
import { answeredError, observeAnswered } from '../shared/answered-errors.js';

/**
 * Records every request in errand's HTTP metrics (`createMetrics()` of errand/metrics): requests and
 * durations by method, route pattern and status, errors by status, class and code, as on Hono. Add
 * it first, before `errand(app)`.
 *
 * @example
 * const metrics = createMetrics({ backend });
 * app.use(httpMetrics(metrics));
 * errand(app);
 */
export function httpMetrics(metrics: { observe(request: ObservedRequest): void }): RequestHandler {
  observeAnswered();
  return function errandHttpMetrics(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    res.once('close', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      metrics.observe({
        method: req.method,
        route: typeof route === 'string' ? req.baseUrl + route : undefined,
        status: res.statusCode,
        seconds: (performance.now() - started) / 1000,
        error: answeredError(req),
      });
    });
    next();
  };
}
