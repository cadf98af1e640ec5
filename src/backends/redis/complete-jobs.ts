import { isErrandError } from '../../errors/errand-error.js';
import type { Completion, Lease } from '../../jobs/backend.js';
import { completeKeys, type BatchCompletion } from './batch-scripts.js';
import { isLeaseLostCode, toBackendError, withLease } from './lease-errors.js';
import type { LeaseContext } from './lease-context.js';
import { keepJobsOf } from './redis-backend-options.js';

/** Completes the job of `lease` with BullMQ's fenced `moveToCompleted` (a stale token: ERRAND_LEASE_LOST). */
export async function completeJob(context: LeaseContext, lease: Lease, result: unknown): Promise<void> {
  const { task, job } = await context.held.of(lease);
  await withLease(lease.jobId, () => job.moveToCompleted(result === undefined ? null : result, lease.token, false));
  context.held.forget(lease);
  await recordSucceeded(context, task, [lease.jobId]);
}

/** Adds succeeded attempts to the series; the same script drops the cancel flags of their jobs (a cancel that lost to the end). */
async function recordSucceeded(context: LeaseContext, task: string, ids: readonly string[]): Promise<void> {
  await context.series.record(ids.map((id) => ({ jobKey: context.names.jobKey(task, id), task, outcome: 'succeeded' as const, ended: id })));
}

/**
 * Completions of jobs this process claimed go to errand's batch script, one call per task (BullMQ's
 * moveToFinished, fencing included, run once per job inside it). Others (or all, when the batch
 * script did not load) are sent as separate moveToCompleted calls at once, about one round trip.
 * Answers per completion whether it was stored (false: the lease was lost).
 */
export async function completeJobs(context: LeaseContext, completions: readonly Completion[]): Promise<boolean[]> {
  const stored = new Array<boolean>(completions.length);
  const byTask = new Map<string, { index: number; job: BatchCompletion }[]>();
  const single: Promise<void>[] = [];
  for (const [index, { lease, result }] of completions.entries()) {
    const held = context.held.get(lease.jobId);
    const returnValue = context.scripts === undefined || held === undefined ? undefined : JSON.stringify(result === undefined ? null : result);
    if (held === undefined || returnValue === undefined) {
      single.push(completeOne(context, lease, result).then((ok) => void (stored[index] = ok)));
      continue;
    }
    const group = byTask.get(held.task) ?? [];
    group.push({ index, job: { id: lease.jobId, token: lease.token, returnValue, attempts: held.job.opts.attempts ?? 1, keepJobs: keepJobsOf(held.job.opts.removeOnComplete) } });
    byTask.set(held.task, group);
  }
  const scripts = context.scripts;
  const batches = scripts === undefined ? [] : [...byTask].map(async ([task, group]) => {
    const worker = context.queues.existingWorker(task) ?? context.queues.queue(task);
    let codes: number[];
    try {
      codes = await scripts.complete(completeKeys(worker.keys), worker.keys[''] ?? '', group.map(({ job }) => job));
    } catch (error) {
      throw toBackendError(error);
    }
    group.forEach(({ index, job }, position) => {
      const code = codes[position] ?? -1;
      if (code < 0 && !isLeaseLostCode(code)) throw toBackendError(new Error(`BullMQ moveToFinished answered ${code} for job ${job.id}`));
      stored[index] = code >= 0;
      context.held.forget({ jobId: job.id, token: job.token });
    });
    await recordSucceeded(context, task, group.filter(({ index }) => stored[index]).map(({ job }) => job.id));
  });
  await Promise.all([...single, ...batches]);
  return stored;
}

async function completeOne(context: LeaseContext, lease: Lease, result: unknown): Promise<boolean> {
  try {
    await completeJob(context, lease, result);
    return true;
  } catch (error) {
    if (isErrandError(error, 'ERRAND_LEASE_LOST')) return false;
    throw error;
  }
}
