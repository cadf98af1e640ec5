import { BackgroundTasks, type BackgroundTasksInit, type TaskSink } from './background-tasks.js';
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
  on(event: 'close', listener: () => void): unknown;
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
 * One request's task list as the runner makes it (`createBatch`): the list handlers add to, with
 * where its failures go and how far it has run. Its tasks run one at a time, in the order added,
 * once it was started.
 */
export class TaskBatch extends BackgroundTasks {
  /** Where this request's task failures go; undefined: the runner's `onError`. */
  readonly report: TaskErrorReporter | undefined;
  /** The Node response to watch, until the runner watches it (the first add): then let go, as it holds the whole request. */
  response: SentResponse | undefined;
  /** The final response status, once the batch was started. */
  status: number | undefined = undefined;
  /** Index of the next task to run. */
  next = 0;
  /** Whether its tasks are being run (one at a time, in the order added). */
  running = false;
  /** The task running now, interrupted at the drain deadline. */
  current: TaskRun | undefined = undefined;

  constructor(sink: TaskSink, options: CreateBatchOptions) {
    super(sink, options);
    this.report = options.report;
    this.response = options.response;
  }
}
