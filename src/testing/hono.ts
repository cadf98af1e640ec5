import { background, type BackgroundMiddleware, type BackgroundOptions } from '../adapters/hono/background.js';
import { createTestTasks, type TaskRecorder, type TaskRun, type TestLogLine } from './background.js';
import type { TaskRunner } from '../tasks/task-runner.js';

/** Anything with Hono's `app.request()`. */
export interface RequestableApp {
  request(input: string | URL | Request, init?: RequestInit): Response | Promise<Response>;
}

/** What {@link createTestBackground} returns. */
export interface TestBackground {
  /** For an app without `errand(app)`: `app.use(tb.middleware)`. With errand, give it the runner instead: `errand(app, { background: { runner: tb.runner } })`. */
  readonly middleware: BackgroundMiddleware;
  readonly runner: TaskRunner;
  readonly recorder: TaskRecorder;
  /** What the runner logged (nothing is printed). */
  readonly logs: readonly TestLogLine[];
  /** Sends a request through `app.request()`, waits until every task has ended, returns both. */
  request(app: RequestableApp, input: string | URL | Request, init?: RequestInit): Promise<{ response: Response; runs: TaskRun[] }>;
  /** Waits until every pending task has ended; returns all runs so far. */
  settle(): Promise<readonly TaskRun[]>;
}

/**
 * Hono's `background()` middleware for tests, on {@link createTestTasks}: a quiet logger that keeps
 * its lines, a recorder, and a `request` that returns only after the request's tasks ended, so
 * assertions never race them. (On Fastify and Express use `createTestTasks` from
 * `errand/testing/background`, which names no framework.)
 *
 * @example
 * const tb = createTestBackground();
 * errand(app, { background: { runner: tb.runner } }); // or, without errand: app.use(tb.middleware)
 * const { response, runs } = await tb.request(app, '/register', { method: 'POST' });
 * expect(runs).toMatchObject([{ name: 'sendWelcomeEmail', outcome: 'succeeded' }]);
 */
export function createTestBackground(options: Omit<BackgroundOptions, 'runner'> = {}): TestBackground {
  const tasks = createTestTasks(options);
  const middleware = background({ ...options, runner: tasks.runner });
  return {
    middleware,
    runner: tasks.runner,
    recorder: tasks.recorder,
    logs: tasks.logs,
    request: (app, input, init) => tasks.after(app.request(input, init)),
    settle: () => tasks.settle(),
  };
}
