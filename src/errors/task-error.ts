/** What is known about an after-response task that failed. */
export interface TaskErrorInfo {
  /** The task's name (its function name, or the defined task's name). */
  task: string;
  /** The request the task was added by. */
  requestId?: string;
  /** Whether the task failed because it ran past its timeout. */
  timedOut: boolean;
  /** Anything else the caller wants handlers to see (Hono: the request's `Context`, kept only when a task-error handler or `onError` exists). */
  context?: unknown;
}

/** Handles an after-response task's error; may be async. Throwing passes to the next candidate. */
export type TaskErrorHandler<E extends Error = Error> = (error: E, info: TaskErrorInfo) => void | Promise<void>;
