import { ErrandError } from '../errors/errand-error.js';
import { jobErrorProblem } from '../jobs/job-error-problem.js';
import type { TaskEventMap, TaskEventName } from '../tasks/task-events.js';
import type { TaskFailureLog } from './task-failure-log.js';

/** Anything that emits the after-response task runner's events (the runner from `createTaskRunner`). */
export interface TaskFailureEvents {
  on<Name extends TaskEventName>(name: Name, listener: (event: TaskEventMap[Name]) => void): () => void;
}

/**
 * Feeds a {@link TaskFailureLog} from a task runner: every task that failed, timed out, was
 * interrupted at shutdown or was dropped. Errors are kept with their stack; the dashboard sends
 * the stack only in debug mode. Returns the function that stops recording.
 *
 * @example
 * const taskFailures = createTaskFailureLog()
 * recordTaskFailures(runner, taskFailures)
 * app.route('/dashboard', createDashboard({ backend, taskFailures }))
 */
export function recordTaskFailures(runner: TaskFailureEvents, log: TaskFailureLog): () => void {
  const problem = (error: Error) => jobErrorProblem(error, { debug: true });
  const offs = [
    runner.on('task:failed', (e) => log.record({ at: Date.now(), task: e.task.name, outcome: 'failed', requestId: e.task.requestId, durationMs: e.durationMs, error: problem(e.error) })),
    runner.on('task:timed-out', (e) => log.record({ at: Date.now(), task: e.task.name, outcome: 'timed-out', requestId: e.task.requestId, durationMs: e.durationMs, error: problem(e.error) })),
    runner.on('task:interrupted', (e) => log.record({ at: Date.now(), task: e.task.name, outcome: 'interrupted', requestId: e.task.requestId, durationMs: e.durationMs, error: problem(e.error) })),
    runner.on('task:dropped', (e) => {
      const error = new ErrandError('ERRAND_TASK_DROPPED', `task ${e.task.name} was dropped at ${e.reason} and could not be moved to the durable queue`);
      log.record({ at: Date.now(), task: e.task.name, outcome: 'dropped', requestId: e.task.requestId, error: problem(error) });
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
