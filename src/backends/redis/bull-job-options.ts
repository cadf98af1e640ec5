import type { JobsOptions } from 'bullmq';
import type { RetentionOptions } from '../../jobs/backend.js';
import type { NewJob } from '../../jobs/job.js';

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
    // BullMQ schedules at timestamp + delay.
    delay: job.runAt > Date.now() ? job.runAt - job.createdAt : 0,
    attempts: job.maxAttempts,
    backoff: { type: 'errand' },
    removeOnComplete: { age: Math.ceil(retention.succeededMs / 1000) },
    removeOnFail: { age: Math.ceil(retention.deadMs / 1000) },
  };
  if (job.priority > 0) options.priority = job.priority;
  if (job.key !== undefined) options.deduplication = { id: job.key };
  return options;
}
