import type { ErrandLogger } from '../../logging/errand-logger.js';
import type { BackgroundTasks } from '../../tasks/background-tasks.js';
import type { Errand } from './errand.js';

/** Request variables `errand(app)` sets on every request. */
export interface ErrandVariables {
  /** The request id: a sane incoming `X-Request-Id`, otherwise a generated one (`newRequestId`). */
  requestId: string;
  /** The app's logger bound to `requestId` (a child made when the request first logs). */
  logger: ErrandLogger;
  /** The installed errand: its registry, logger, mode, format and task runner. */
  errand: Errand;
  /** The request's after-response tasks: `c.var.background.add(fn, ...args)` (docs/tasks.md). */
  background: BackgroundTasks;
}

/**
 * The Hono environment of an app errand is installed on. Extend it for your own variables.
 *
 * @example
 * const app = new Hono<ErrandEnv>()
 * errand(app)
 * app.get('/', (c) => c.text(c.var.requestId))
 * app.post('/register', (c) => {
 *   c.var.background.add(sendWelcomeEmail, 'ada@example.com')
 *   return c.json({ ok: true }, 201)
 * })
 */
export interface ErrandEnv {
  Variables: ErrandVariables;
}
