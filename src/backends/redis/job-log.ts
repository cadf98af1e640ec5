import { Job } from 'bullmq';
import type { JobEvent } from '../../jobs/job.js';
import { encodeEvent } from './job-record.js';
import type { TaskQueues } from './task-queues.js';

/** Appends rare events (failed, retrying, released, retried…) to BullMQ's job log; the script skips jobs that no longer exist. */
export async function logJobEvents(queues: TaskQueues, task: string, jobId: string, events: readonly JobEvent[]): Promise<void> {
  const queue = queues.queue(task);
  for (const event of events) await Job.addJobLog(queue, jobId, encodeEvent(event), 50);
}
