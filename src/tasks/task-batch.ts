import { BackgroundTasks, type BackgroundTasksInit, type TaskSink } from './background-tasks.js';
import type { TaskRun } from './run-task.js';
import type { TaskEntry } from './task-entry.js';
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

/** Takes each task added to a batch (the runner's bookkeeping, shared by all its batches). */
export type AcceptTask = (batch: TaskBatch, entry: TaskEntry) => void;

/** The runner's bookkeeping for one request's tasks, and the sink its task list hands tasks to. */
export class TaskBatch implements TaskSink {
  readonly tasks: BackgroundTasks;
  /** The final response status, once the batch was started. */
  status: number | undefined = undefined;
  /** Index of the next task to run. */
  next = 0;
  /** Whether one of its tasks is running or about to start (its next task starts when the one before settles). */
  running = false;
  /** The task running now, interrupted at the drain deadline. */
  current: TaskRun | undefined = undefined;
  /**
   * The Node response to watch, until the first task is added and the runner starts listening for
   * its close. Not kept after that: a task runs for long after its response, and the response
   * holds the whole request (its socket, headers and body).
   */
  response: SentResponse | undefined;

  constructor(
    /** The runner that made the batch (its `start` ignores another runner's batches). */
    readonly owner: object,
    readonly acceptTask: AcceptTask,
    readonly report: TaskErrorReporter | undefined,
    response: SentResponse | undefined,
    init: BackgroundTasksInit,
  ) {
    this.response = response;
    this.tasks = new BackgroundTasks(this, init);
  }

  accept(_tasks: BackgroundTasks, entry: TaskEntry): void {
    this.acceptTask(this, entry);
  }
}
