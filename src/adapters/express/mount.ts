import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { fetchBridge, MountedMiss } from '../shared/fetch-bridge.js';
import type { MountableApp } from '../shared/mountable-app.js';
import { writeResponse } from '../node/node-response.js';

/**
 * Serves a Hono app (the dashboard, `createDashboard(…)`) under any path of an Express app, as
 * `app.route(path, sub)` does on Hono: it sees the full request path, its errors and its misses go
 * to errand (problem+json with the request id), its localhost check sees the real socket.
 *
 * @example
 * app.use('/ops/dashboard', mount(createDashboard({ backend, auth: { token } })));
 */
export function mount(sub: MountableApp): RequestHandler {
  const bridge = fetchBridge(sub);
  return function errandMount(req: Request, res: Response, next: NextFunction): void {
    bridge(req, res, req.baseUrl, req.originalUrl)
      .then((response) => writeResponse(res, response))
      .catch((error: unknown) => (error instanceof MountedMiss ? next() : next(error)));
  };
}
