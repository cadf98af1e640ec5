import type { TaskInfo } from '../tasks/task-events.js';
import { createTaskRunner, type TaskLogger, type TaskRunner, type TaskRunnerOptions } from '../tasks/task-runner.js';

/** How one task ended, as seen by the runner. */
export type TaskRunOutcome = 'succeeded' | 'failed' | 'timed-out' | 'interrupted' | 'skipped' | 'enqueued' | 'dropped';

/** One task the runner handled, in the order they ended. */
export interface TaskRun {
  name: string;
  /** Arguments (`add(fn, ...args)`) or `[payload]` (defined tasks). */
  args: readonly unknown[];
  requestId: string | undefined;
  /** Position within its request, from 0. */
  index: number;
  outcome: TaskRunOutcome;
  /** For `failed`, `timed-out` and `interrupted`. */
  error?: Error;
  /** For tasks that ran here. */
  durationMs?: number;
  /** For `enqueued`. */
  jobId?: string;
}

/** Collects what a runner did (see {@link recordTasks}). */
export interface TaskRecorder {
  /** Every task that ended since recording began (or since `clear()`). */
  readonly runs: readonly TaskRun[];
  /** The names in `runs`, handy for order assertions. */
  names(): string[];
  clear(): void;
  /** Stops listening to the runner. */
  stop(): void;
}

/**
 * Records every task a runner ends, with its outcome, arguments and request id.
 *
 * @example
 * const recorder = recordTasks(tasks.runner);
 * await app.request('/register', { method: 'POST' });
 * await tasks.runner.onIdle();
 * expect(recorder.names()).toEqual(['sendWelcomeEmail']);
 */
export function recordTasks(runner: TaskRunner): TaskRecorder {
  const runs: TaskRun[] = [];
  const base = (task: TaskInfo) => ({ name: task.name, args: task.args, requestId: task.requestId, index: task.index });
  const unsubscribe = [
    runner.on('task:succeeded', (e) => void runs.push({ ...base(e.task), outcome: 'succeeded', durationMs: e.durationMs })),
    runner.on('task:failed', (e) => void runs.push({ ...base(e.task), outcome: 'failed', error: e.error, durationMs: e.durationMs })),
    runner.on('task:timed-out', (e) => void runs.push({ ...base(e.task), outcome: 'timed-out', error: e.error, durationMs: e.durationMs })),
    runner.on('task:interrupted', (e) => void runs.push({ ...base(e.task), outcome: 'interrupted', error: e.error, durationMs: e.durationMs })),
    runner.on('task:skipped', (e) => void runs.push({ ...base(e.task), outcome: 'skipped' })),
    runner.on('task:enqueued', (e) => void runs.push({ ...base(e.task), outcome: 'enqueued', jobId: e.jobId })),
    runner.on('task:dropped', (e) => void runs.push({ ...base(e.task), outcome: 'dropped' })),
  ];
  return {
    runs,
    names: () => runs.map((run) => run.name),
    clear: () => void runs.splice(0),
    stop: () => unsubscribe.forEach((off) => off()),
  };
}

/** One line the test runner's logger received. */
export interface TestLogLine {
  level: 'error' | 'warn' | 'info';
  object: object;
  message: string;
}

/** What {@link createTestTasks} returns. */
export interface TestTasks {
  /** Give it to the host's adapter: `background({ runner })` on Hono, `errand(app, { background: { runner } })` on Fastify and Express. */
  readonly runner: TaskRunner;
  readonly recorder: TaskRecorder;
  /** What the runner logged (nothing is printed). */
  readonly logs: readonly TestLogLine[];
  /** Waits for `request` (a response, or anything), then until every task has ended; returns it with the runs that ended meanwhile. */
  after<T>(request: T | Promise<T>): Promise<{ response: Awaited<T>; runs: TaskRun[] }>;
  /** Waits until every pending task has ended; returns all runs so far. */
  settle(): Promise<readonly TaskRun[]>;
}

/**
 * A task runner for tests on any host: a quiet logger that keeps its lines, a recorder, and
 * `after(request)`, which returns only once the request's tasks ended, so assertions never race them.
 * It names no framework: the same helper serves Hono, Fastify and Express.
 *
 * @example
 * const t = createTestTasks();
 * errand(app, { background: { runner: t.runner } });       // Fastify, Express
 * const { response, runs } = await t.after(app.inject({ method: 'POST', url: '/register' }));
 * expect(runs).toMatchObject([{ name: 'sendWelcomeEmail', outcome: 'succeeded' }]);
 */
export function createTestTasks(options: TaskRunnerOptions = {}): TestTasks {
  const logs: TestLogLine[] = [];
  const at = (level: TestLogLine['level']) => (object: object, message: string) => void logs.push({ level, object, message });
  const logger: TaskLogger = { error: at('error'), warn: at('warn'), info: at('info') };
  const runner = createTaskRunner({ logger, ...options });
  const recorder = recordTasks(runner);
  return {
    runner,
    recorder,
    logs,
    async after(request) {
      const from = recorder.runs.length;
      const response = await request;
      await runner.onIdle();
      return { response, runs: recorder.runs.slice(from) };
    },
    async settle() {
      await runner.onIdle();
      return recorder.runs;
    },
  };
}
