import { TypedEmitter } from '../jobs/typed-emitter.js';

/** What events say about the task they concern. */
export interface TaskInfo {
  name: string;
  /** `'function'` for `add(fn, …)`, `'definition'` for a task made with `defineTask`. */
  kind: 'function' | 'definition';
  /** The arguments (`add(fn, ...args)`) or `[payload]` (defined tasks). */
  args: readonly unknown[];
  requestId: string | undefined;
  /** Position within its request, from 0. */
  index: number;
  /** Whether it goes to the durable queue instead of running here. */
  durable: boolean;
}

/**
 * The runner's events, for metrics and tests. Durations are milliseconds of wall time.
 *
 * | event | when |
 * |---|---|
 * | `task:started` | a task begins running in this process |
 * | `task:succeeded` | it returned or resolved |
 * | `task:failed` | it threw or rejected (after the error was reported and logged) |
 * | `task:timed-out` | its timeout passed; its signal was aborted and the runner moved on |
 * | `task:interrupted` | it was still running at the shutdown deadline |
 * | `task:skipped` | its `when` did not match the response status |
 * | `task:enqueued` | it went to the durable queue (`durable: true`, or pending at shutdown) |
 * | `task:dropped` | it could not run and could not be enqueued (shutdown) |
 * | `request:rejected` | a request was answered 503 because the in-flight bound was reached |
 */
export interface TaskEventMap {
  'task:started': { task: TaskInfo };
  'task:succeeded': { task: TaskInfo; durationMs: number };
  'task:failed': { task: TaskInfo; error: Error; durationMs: number };
  'task:timed-out': { task: TaskInfo; error: Error; durationMs: number };
  'task:interrupted': { task: TaskInfo; error: Error; durationMs: number };
  'task:skipped': { task: TaskInfo; status: number };
  'task:enqueued': { task: TaskInfo; jobId: string };
  'task:dropped': { task: TaskInfo; reason: 'shutdown' };
  'request:rejected': { requestId: string | undefined; pending: number };
}

/** A runner event name. */
export type TaskEventName = keyof TaskEventMap;

/** The runner's emitter: a listener that throws is reported and never disturbs the runner or the other listeners. */
export class TaskEvents extends TypedEmitter<TaskEventMap> {}
