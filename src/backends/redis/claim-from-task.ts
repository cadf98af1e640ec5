import { randomUUID } from 'node:crypto';
import { Job, type Worker } from 'bullmq';
import { claimKeys, type BatchScripts } from './batch-scripts.js';
import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { Redis } from 'ioredis';
import { jobMetaOf } from './bull-job-options.js';
import { flaggedAmong } from './cancel-flags.js';
import { encodeEvent } from './job-record.js';
import { markLapsedLeases, uncountAttemptIfHeld } from './lua-scripts.js';

/** A job this process claimed: its task queue, BullMQ's Job object and the lock token. */
export interface HeldJob {
  task: string;
  job: Job;
  token: string;
}

/** Most getNextJob calls sent at once: enough to fill a worker's slots in one round trip. */
const batch = 32;
/** Most jobs one batch script call takes: keeps each call to a few ms of Redis time. */
const batchPerScript = 100;

function problem(title: string, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title, status: 500, detail, code: 'ERRAND_LEASE_EXPIRED' });
}

/**
 * A lapsed lease shows as an attempt that was started but never made (BullMQ's stalled checker moved
 * the job back to wait without touching attemptsMade). Log it once, and end the job as dead when the
 * lapse used up its last attempt: BullMQ itself would retry stalled jobs forever (maxStalledCount is
 * set out of reach so that errand's attempt count is the only limit).
 */
async function settleLapsedAttempts(job: Job, token: string, client: Redis, jobKey: string, flagged: boolean): Promise<'run' | 'dead' | 'cancel'> {
  // Cancelled while running, then released (a cancel racing the release), failed for a retry, or its
  // worker died: it ends cancelled, it does not start again (cancel-flags.ts).
  if (flagged) return 'cancel';
  const lapsed = job.attemptsStarted - 1 - job.attemptsMade;
  if (lapsed <= 0) return 'run';
  const at = Date.now();
  const expired = problem('Lease expired', `the worker running attempt ${job.attemptsStarted - 1} of job ${job.id ?? ''} stopped renewing its lease`);
  if (await markLapsedLeases(client, jobKey, lapsed, expired)) {
    await job.log(encodeEvent({ at, type: 'lease-expired', attempt: job.attemptsStarted - 1, message: 'worker stopped renewing its lease' }));
  }
  if (job.attemptsStarted <= (job.opts.attempts ?? 1)) return 'run';
  // The lapsed attempt was the last one: this claim must not count as another.
  await uncountAttemptIfHeld(client, `${jobKey}:lock`, jobKey, token);
  job.attemptsStarted -= 1;
  const dead = new Error(expired);
  dead.name = 'UnrecoverableError';
  dead.stack = 'UnrecoverableError: Lease expired';
  await job.moveToFailed(dead, token, false);
  await job.log(encodeEvent({ at, type: 'dead', attempt: job.attemptsStarted }));
  return 'dead';
}

/**
 * Takes up to `size` jobs of one task with one fresh token each: in one call of errand's batch script
 * (BullMQ's moveToActive run once per job) when it loaded, else one getNextJob per job, sent together.
 * Either way each take is BullMQ's atomic moveToActive (it also promotes due delayed jobs and sets the
 * lock whose value is the fencing token).
 */
async function take(worker: Worker, size: number, lockMs: number, scripts: BatchScripts | undefined, owner: string): Promise<{ job: Job; token: string }[]> {
  const tokens = Array.from({ length: size }, () => `${randomUUID()}${owner}`);
  if (scripts !== undefined) {
    const taken = await scripts.claim(claimKeys(worker.keys), worker.keys[''] ?? '', lockMs, tokens);
    return taken.map(({ json, id, token }) => {
      // As BullMQ's Worker builds a job it fetched (Worker.createJob).
      const job = Job.fromJSON(worker, json, id);
      job.token = token;
      return { job, token };
    });
  }
  const jobs = await Promise.all(tokens.map((token) => worker.getNextJob(token, { block: false })));
  const taken: { job: Job; token: string }[] = [];
  for (const [index, job] of jobs.entries()) {
    const token = tokens[index];
    if (job !== undefined && token !== undefined) taken.push({ job, token });
  }
  return taken;
}

/**
 * Claims up to `want` jobs of one task through BullMQ's moveToActive (see {@link take}), then
 * settles leases that lapsed on earlier attempts, and marks jobs flagged for cancellation (`cancel`:
 * the caller ends them cancelled, they do not start).
 */
export async function claimFromTask(
  worker: Worker,
  task: string,
  options: ClaimOptions,
  want: number,
  client: Redis,
  jobKey: (id: string) => string,
  cancelKey: string,
  scripts?: BatchScripts,
): Promise<{ claim: ClaimedJob; held: HeldJob; cancel: boolean }[]> {
  const out: { claim: ClaimedJob; held: HeldJob; cancel: boolean }[] = [];
  const lockMs = options.leaseMs || (worker.opts.lockDuration ?? 0);
  let remaining = want;
  while (remaining > 0) {
    const size = Math.min(remaining, scripts === undefined ? batch : batchPerScript);
    // Taken before the call: Redis starts the lock somewhat later, so the lease never ends after it.
    const leaseUntil = Date.now() + lockMs;
    // A worker that keeps a liveness record is named in its tokens (`<uuid>~<workerId>`): a claim
    // that finds the record gone takes the job back without waiting out the lease.
    const taken = await take(worker, size, lockMs, scripts, options.liveness === true ? `~${options.workerId}` : '');
    // Read after the take: a flag set before the job was taken is seen here (one set after it is heard at a heartbeat).
    const flagged = await flaggedAmong(client, cancelKey, taken.flatMap(({ job }) => (job.id === undefined ? [] : [job.id])));
    for (const { job, token } of taken) {
      if (job.id === undefined) continue;
      const fate = await settleLapsedAttempts(job, token, client, jobKey(job.id), flagged.has(job.id));
      if (fate === 'dead') continue;
      // The batch script locks for the lease asked; getNextJob locks for the worker's lockDuration.
      if (scripts === undefined && options.leaseMs > 0 && options.leaseMs !== worker.opts.lockDuration) await job.extendLock(token, options.leaseMs);
      const claim: ClaimedJob = {
        jobId: job.id,
        token,
        leaseUntil,
        task,
        payload: job.data as unknown,
        attempt: job.attemptsStarted,
        maxAttempts: job.opts.attempts ?? 1,
        createdAt: job.timestamp,
      };
      const meta = jobMetaOf(job.opts);
      if (meta !== undefined) claim.meta = meta;
      out.push({
        claim,
        held: { task, job, token },
        cancel: fate === 'cancel',
      });
    }
    // Fewer jobs than asked for: the queue is empty for now.
    if (taken.length < size) break;
    remaining -= taken.length;
  }
  return out;
}
