import { coerceError } from '../errors/coerce-error.js';
import type { TaskInfo } from './task-events.js';
import type { TaskErrorReporter, TaskLogger } from './task-runner-options.js';

/** What is known of a failed after-response task when it is reported. */
export interface TaskFailure {
  task: TaskInfo;
  error: Error;
  timedOut: boolean;
  /** The request's trace: the task's span has ended by now, so its trace id is logged explicitly. */
  traceId?: string | undefined;
  /** The request's context, handed to the reporter. */
  context: unknown;
}

/**
 * The one log line of a failed task (with its request id and task name), then the reporter (the
 * registry's task-error handlers), which must not break the runner: a reporter that throws is logged.
 *
 * @example
 * await reportTaskFailure(logger, onError, { task, error, timedOut: false, context: undefined });
 */
export async function reportTaskFailure(logger: TaskLogger, reporter: TaskErrorReporter | undefined, failure: TaskFailure): Promise<void> {
  const { task, error, timedOut, traceId } = failure;
  const code = timedOut ? 'ERRAND_TASK_TIMEOUT' : 'ERRAND_TASK_FAILED';
  const message = timedOut ? 'after-response task timed out' : 'after-response task failed';
  const fields = { err: error, code, task: task.name, requestId: task.requestId, timedOut };
  logger.error(traceId === undefined ? fields : { ...fields, traceId }, message);
  if (reporter === undefined) return;
  try {
    await reporter(error, { task: task.name, requestId: task.requestId, timedOut, context: failure.context });
  } catch (thrown) {
    logger.error({ err: coerceError(thrown), task: task.name, requestId: task.requestId }, 'the task-error reporter threw');
  }
}
