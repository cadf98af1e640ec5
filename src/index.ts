/**
 * errand's most used pieces in one import. Framework glue, backends, the dashboard and metrics live
 * on their own subpaths (`errand/hono`, `errand/backends/sqlite`, `errand/dashboard`, …) so an app
 * loads only what it uses.
 */
export {
  coerceError,
  createErrorRegistry,
  ErrandError,
  errorCodes,
  HTTPException,
  isErrandError,
  isHTTPException,
  jsonable,
  type ErrorCode,
  type ErrorRegistry,
  type FieldError,
  type ProblemDetails,
} from './errors/index.js';
export type { ErrandLogger } from './logging/errand-logger.js';
export { createJsonLogger, type JsonLoggerOptions, type JsonLogLevel } from './logging/json-logger.js';
export { createLogDestination, type LogDestination, type LogDestinationOptions } from './logging/log-destination.js';
export { activeTraceId, traceLogFields, type TraceLogFields } from './tracing/trace-id.js';
export { BackgroundTasks, createTaskRunner, currentTask, type TaskRunner, type TaskRunnerOptions } from './tasks/index.js';
export {
  createQueue,
  createWorker,
  defineSchedule,
  defineTask,
  UnrecoverableError,
  type JobBackend,
  type JobRecord,
  type JobState,
  type Queue,
  type TaskDefinition,
  type Worker,
} from './jobs/index.js';
