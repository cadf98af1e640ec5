import type { ProblemDetails } from '../../errors/problem-details.js';
import type { JobEvent, JobRecord, JobState, NewJob } from '../../jobs/job.js';

/** A job as the memory backend keeps it: the public record plus lease bookkeeping. */
export interface StoredJob {
  record: JobRecord;
  /** Insertion order, the last tie-breaker of claim order. */
  seq: number;
  /** Fencing token of the current claim. */
  token?: string;
  leaseUntil?: number;
  cancelRequested: boolean;
  /** Fair-queue group (NewJob.group). */
  group?: string;
}

/** Most recent history entries kept per job. */
export const historyLimit = 50;

/** Copies a JSON value as a serialising backend would store it (Dates become strings, no shared references). */
export function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function addEvent(job: StoredJob, event: JobEvent): void {
  job.record.history.push(event);
  if (job.record.history.length > historyLimit) job.record.history.splice(0, job.record.history.length - historyLimit);
  job.record.updatedAt = event.at;
}

export function toStored(job: NewJob, seq: number, now: number): StoredJob {
  const state: JobState = job.runAt > now ? 'delayed' : 'queued';
  const record: JobRecord = {
    id: job.id,
    task: job.task,
    payload: jsonCopy(job.payload),
    state,
    priority: job.priority,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt,
    runAt: job.runAt,
    updatedAt: now,
    history: [{ at: now, type: 'enqueued' }],
  };
  if (job.key !== undefined) record.key = job.key;
  if (job.group !== undefined) record.group = job.group;
  if (job.meta !== undefined) record.meta = { ...job.meta };
  const stored: StoredJob = { record, seq, cancelRequested: false };
  if (job.group !== undefined) stored.group = job.group;
  return stored;
}

/** Ends the lease bookkeeping of a job leaving `running`. */
export function dropLease(job: StoredJob): void {
  delete job.token;
  delete job.leaseUntil;
}

export function finish(job: StoredJob, state: 'succeeded' | 'dead' | 'cancelled', now: number, message?: string): void {
  dropLease(job);
  job.cancelRequested = false;
  job.record.state = state;
  job.record.finishedAt = now;
  addEvent(job, { at: now, type: state, attempt: job.record.attempts, ...(message === undefined ? {} : { message }) });
}

/** Records a failed attempt: retrying at `retryAt`, or dead when null. */
export function failAttempt(job: StoredJob, error: ProblemDetails, retryAt: number | null, now: number): void {
  job.record.error = jsonCopy(error);
  addEvent(job, { at: now, type: 'failed', attempt: job.record.attempts, message: error.title });
  if (job.cancelRequested) return finish(job, 'cancelled', now);
  if (retryAt === null) return finish(job, 'dead', now, error.title);
  dropLease(job);
  job.record.state = retryAt > now ? 'retrying' : 'queued';
  job.record.runAt = retryAt;
  addEvent(job, { at: now, type: 'retrying', attempt: job.record.attempts });
}

/** Moves delayed and retrying jobs whose time has come to queued, so reads show what a claim would see. */
export function promote(job: StoredJob, now: number): void {
  const state = job.record.state;
  if ((state === 'delayed' || state === 'retrying') && job.record.runAt <= now) job.record.state = 'queued';
}

export function isFinished(state: JobState): boolean {
  return state === 'succeeded' || state === 'dead' || state === 'cancelled';
}
