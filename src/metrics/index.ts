export { createMetrics, type Metrics, type MetricsOptions } from './create-metrics.js';
export type { JobMetrics, WorkerEventSource } from './job-metrics.js';
export type { TaskEventSource, TaskMetrics, TaskOutcome } from './task-metrics.js';
export type { ObservedRequest } from './http-metrics.js';
