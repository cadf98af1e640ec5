import type { JobsOptions } from 'bullmq';
import type { RetentionOptions } from '../../jobs/backend.js';
import type { JobMeta, NewJob } from '../../jobs/job.js';
import { heldDelayMs } from './fair-groups.js';

/**
 * The BullMQ options a new errand job is added with: its id, schedule, attempts, errand's own
 * backoff (computed by the worker), retention as BullMQ ages, priority and deduplication key.
 *
 * @example
 * queue.add(job.task, job.payload, bullJobOptions(job, defaultRetention))
 */
export function bullJobOptions(job: NewJob, retention: Required<RetentionOptions>): JobsOptions {
  const options: JobsOptions = {
    jobId: job.id,
    timestamp: job.createdAt,
    // BullMQ schedules at timestamp + delay; a grouped job is held until a fair claim releases it, its
    // own due time kept exact (a job retried by hand is re-added with its first createdAt).
    delay: job.group === undefined ? (job.runAt > Date.now() ? job.runAt - job.createdAt : 0) : Math.max(0, job.runAt - job.createdAt) + heldDelayMs,
    attempts: job.maxAttempts,
    backoff: { type: 'errand' },
    removeOnComplete: { age: Math.ceil(retention.succeededMs / 1000) },
    removeOnFail: { age: Math.ceil(retention.deadMs / 1000) },
  };
  if (job.priority > 0) options.priority = job.priority;
  if (job.key !== undefined) options.deduplication = { id: job.key };
  // BullMQ's own field for trace-context propagation: a string kept with the job's options.
  if (job.meta !== undefined) options.telemetry = { metadata: JSON.stringify(job.meta) };
  return options;
}

/** The headers stored with a job ({@link bullJobOptions}), or undefined when it has none or they do not parse. */
export function jobMetaOf(options: JobsOptions): JobMeta | undefined {
  const metadata = options.telemetry?.metadata;
  if (metadata === undefined || metadata === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(metadata);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const meta: JobMeta = {};
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') meta[key] = value;
    return meta;
  } catch {
    return undefined;
  }
}
