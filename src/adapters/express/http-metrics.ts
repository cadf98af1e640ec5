import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ObservedRequest } from '../../metrics/observed-request.js';
import { answeredError, observeAnswered } from '../../metrics/answered-errors.js';
import { routePatternOf, traceRouterMounts } from './route-pattern.js';

/**
 * Records every request in errand's HTTP metrics (`createMetrics()` of errand/metrics): requests and
 * durations by method, route pattern and status, errors by status, class and code, as on Hono. Add
 * it first, before `errand(app)`. The route pattern includes the paths routers were mounted with
 * (`/tenants/:tenant/items/:name` under `app.use('/tenants/:tenant/items', router)`), followed on
 * Express's `express.router.request` tracing channel (router 2.3 and later); under a sub-app, a
 * wildcard mount path or an older router, the mount is labelled with the path as the client spelled it.
 *
 * @example
 * const metrics = createMetrics({ backend });
 * app.use(httpMetrics(metrics));
 * errand(app);
 */
export function httpMetrics(metrics: { observe(request: ObservedRequest): void }): RequestHandler {
  observeAnswered();
  traceRouterMounts();
  return function errandHttpMetrics(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    res.once('close', () => {
      metrics.observe({
        method: req.method,
        route: routePatternOf(req),
        status: res.statusCode,
        seconds: (performance.now() - started) / 1000,
        error: answeredError(req),
      });
    });
    next();
  };
}
