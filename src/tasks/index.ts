/** After-response background tasks: the framework-free core. */
export { BackgroundTasks, type BackgroundTasksInit } from './background-tasks.js';
export { currentTask } from './current-task.js';
export type { DrainOptions, DrainReport, TaskReference } from './drain.js';
export type { AddOptions, DefinedAddOptions, TaskWhen, TaskEntry } from './task-entry.js';
export type { TaskEventMap, TaskEventName, TaskInfo } from './task-events.js';
export { createTaskRunner, TaskRunner, type TaskErrorInfo, type TaskErrorReporter, type TaskLogger, type TaskRunnerOptions } from './task-runner.js';
export type { TaskStats } from './task-stats.js';
export { UnavailableError } from './unavailable-error.js';
