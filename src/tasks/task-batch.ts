import type { BackgroundTasks, BackgroundTasksInit } from './background-tasks.js';
import type { TaskRun } from './run-task.js';
import type { TaskErrorReporter } from './task-runner-options.js';

/**
 * The part of a Node `ServerResponse` the runner watches to start a request's tasks once its
 * response was sent (Fastify's `reply.raw` and Express's `res` are one).
 */
export interface SentResponse {
  readonly statusCode: number;
  readonly writableFinished: boolean;
  /** True once the connection closed (the client may have gone away before the handler returned). */
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** What `createBatch` takes besides the request's id and context. */
export interface CreateBatchOptions extends BackgroundTasksInit {
  /** Where this request's task failures go. @default the runner's `onError` */
  report?: TaskErrorReporter;
  /**
   * The Node response: the tasks start by themselves when it closes (its `'close'` follows
   * `'finish'` by one tick, or comes first when the client went away: a disconnect never cancels
   * tasks), with its final status. Watched only once a task was added. Without it, call `start`.
   * @default undefined
   */
  response?: SentResponse;
}

/**
 * The runner's record of one request's tasks, made when the first task is added (most requests add
 * none): the request's task list, where its failures go, and how far it has run.
 */
export class TaskBatch {
  /** The final response status, once the batch was started. */
  status: number | undefined = undefined;
  /** Index of the next task to run. */
  next = 0;
  /** Whether its tasks are being run (one at a time, in the order added). */
  running = false;
  /** The task running now, interrupted at the drain deadline. */
  current: TaskRun | undefined = undefined;

  constructor(
    readonly tasks: BackgroundTasks,
    /** Where this request's task failures go; undefined: the runner's `onError`. */
    readonly report: TaskErrorReporter | undefined,
  ) {}
}
