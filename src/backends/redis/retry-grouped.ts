import { Job } from 'bullmq';
import type { NewJob } from '../../jobs/job.js';
import { jobMetaOf } from './bull-job-options.js';
import type { ManageContext } from './manage-jobs.js';

/**
 * Retries a dead job of group `group` by hand: it waits for its group's turn as a new job of the
 * group does, instead of BullMQ's `job.retry()` putting it straight on the wait list, ahead of every
 * group. BullMQ cannot move a failed job to its delayed set, so the job is removed and added again
 * held, under the same id, with its first createdAt, fresh attempts and its history (the job log)
 * copied over. A job whose dedupe key another unfinished job holds now is left dead (false), as the
 * add would be deduplicated into that job.
 */
export async function retryIntoGroup(context: ManageContext, task: string, job: Job, group: string): Promise<boolean> {
  const id = job.id ?? '';
  const queue = context.queues.queue(task);
  const key = job.deduplicationId;
  if (key !== undefined) {
    const holder = await queue.getDeduplicationJobId(key);
    if (holder !== null && holder !== undefined && holder !== id) return false;
  }
  const logs = (await queue.getJobLogs(id)).logs;
  if ((await queue.remove(id)) !== 1) return false;
  const fresh: NewJob = { id, task, payload: job.data as unknown, runAt: Date.now(), priority: job.priority, maxAttempts: job.opts.attempts ?? 1, createdAt: job.timestamp, group };
  if (key !== undefined) fresh.key = key;
  const meta = jobMetaOf(job.opts);
  if (meta !== undefined) fresh.meta = meta;
  await context.enqueue([fresh]);
  for (const row of logs) await Job.addJobLog(queue, id, row);
  return true;
}
