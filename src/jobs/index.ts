// What backend authors need (the contract's operations, the errors every backend raises) is on
// `errand/jobs/backend` (src/jobs/backend-authoring.ts), away from the user's API.
export type { AppTransaction, JobBackend, JobPage, ListOptions, QueueStats, RetentionOptions } from './backend.js';
export { durationBoundsMs, quantile, seriesRetentionMs, type DepthSample, type JobSeries, type TaskMinute, type WorkerInfo } from './job-series.js';
export { computeBackoff, defaultBackoff } from './backoff.js';
export type { DebounceOptions, DedupeOption, EnqueueOutcome } from './dedupe.js';
export { defineSchedule, type ScheduleDefinition, type ScheduleOptions } from './define-schedule.js';
export { defineTask } from './define-task.js';
export { jobErrorProblem, type JobErrorProblemOptions } from './job-error-problem.js';
export { finishedStates, jobStates, type JobEvent, type JobRecord, type JobState } from './job.js';
export { PayloadInvalidError } from './payload-invalid-error.js';
export { createQueue, type Enqueued, type EnqueuedIds, type EnqueuedOutcomes, type EnqueueItem, type EnqueueItems, type EnqueueManyOptions, type Queue, type QueueOptions } from './queue.js';
export type { TaskList } from './runnable-task.js';
export type { MissedPolicy, OverlapPolicy, ScheduleSpec, StoredSchedule } from './schedule-store.js';
export {
  isTaskDefinition,
  type AnyTask,
  type BackoffOption,
  type EnqueueOptions,
  type Enqueuer,
  type JobId,
  type RateLimit,
  type TaskContext,
  type TaskGroup,
  type TaskDefinition,
  type TaskInput,
  type TaskOptions,
  type TaskResult,
} from './task-definition.js';
export { isUnrecoverableError, UnrecoverableError } from './unrecoverable-error.js';
export { createWorker, type Worker, type WorkerOptions } from './worker.js';
export type { WorkerEvents, WorkerListener } from './worker-events.js';
export { consoleWorkerLogger, type WorkerLogger } from './worker-logger.js';
