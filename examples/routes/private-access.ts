import type { MiddlewareHandler } from 'hono';
import { createAccessControl } from 'errand/dashboard';
import type { ServiceConfig } from '../config.js';

/**
 * The dashboard's access control for the service's other private routes (`/dev/mailbox`,
 * `GET /users`, `/metrics`): in production (NODE_ENV=production) they need ERRAND_DASHBOARD_TOKEN
 * as a bearer token or a basic-auth password; in dev they are open to loopback clients only.
 *
 * @example
 * app.get('/dev/mailbox', privateAccess(config), handler)
 */
export function privateAccess(config: ServiceConfig): MiddlewareHandler {
  const auth = config.dashboardToken === undefined ? {} : { token: config.dashboardToken };
  return createAccessControl({ mode: config.dashboardMode, auth }) as MiddlewareHandler;
}
