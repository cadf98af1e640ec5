import type { Job } from 'bullmq';
import type { ProblemDetails } from '../../errors/problem-details.js';
import type { JobEvent, JobRecord, JobState } from '../../jobs/job.js';
import { jobMetaOf } from './bull-job-options.js';
import { heldRunAt } from './fair-groups.js';

/** BullMQ's states, as `getState()` and the queue's sets name them. */
export type BullState = 'waiting' | 'prioritized' | 'waiting-children' | 'delayed' | 'active' | 'completed' | 'failed' | 'unknown';

/**
 * Maps a BullMQ state onto errand's. BullMQ keeps first runs and retries in the same delayed set; a
 * delayed job that already failed an attempt is `retrying`.
 */
export function jobStateOf(state: BullState, job: Job): JobState | undefined {
  switch (state) {
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'queued';
    case 'delayed':
      return job.attemptsMade > 0 ? 'retrying' : 'delayed';
    case 'active':
      return 'running';
    case 'completed':
      return 'succeeded';
    case 'failed':
      return 'dead';
    default:
      return undefined;
  }
}

function isProblem(value: unknown): value is ProblemDetails {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ProblemDetails>;
  return typeof candidate.title === 'string' && typeof candidate.status === 'number' && typeof candidate.type === 'string';
}

/**
 * errand stores the whole problem object as BullMQ's `failedReason` (one atomic write with the state
 * change). Reasons written by BullMQ itself, or by other producers on the same queue, are plain text.
 */
export function problemFromFailedReason(reason: string | undefined | null): ProblemDetails | undefined {
  if (reason === undefined || reason === null || reason === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(reason);
    if (isProblem(parsed)) return parsed;
  } catch {
    // Not JSON: a reason written by BullMQ, kept as the detail below.
  }
  return { type: 'about:blank', title: 'Job failed', status: 500, detail: reason };
}

/** One history row as errand writes it into BullMQ's job log: `<at> <type> <attempt> <message>`. */
export function encodeEvent(event: JobEvent): string {
  return JSON.stringify(event);
}

function decodeEvent(row: string): JobEvent | undefined {
  try {
    const parsed = JSON.parse(row) as Partial<JobEvent>;
    if (typeof parsed.at === 'number' && typeof parsed.type === 'string') return parsed as JobEvent;
  } catch {
    // A log row written by someone else's code with job.log(): not an errand event.
  }
  return undefined;
}

/**
 * A job's history: the hot-path events (enqueued, claimed, succeeded, dead) come from BullMQ's own
 * timestamps so the fast path writes nothing extra; the rare ones (failures, cancel, retry, lease
 * expiry, release) were appended to BullMQ's job log when they happened.
 */
export function historyOf(job: Job, state: JobState, logs: readonly string[]): JobEvent[] {
  const events: JobEvent[] = [{ at: job.timestamp, type: 'enqueued' }];
  for (const row of logs) {
    const event = decodeEvent(row);
    if (event) events.push(event);
  }
  if (job.processedOn !== undefined && job.processedOn > 0) {
    events.push({ at: job.processedOn, type: 'claimed', attempt: job.attemptsStarted });
  }
  if (job.finishedOn !== undefined && job.finishedOn > 0 && (state === 'succeeded' || state === 'dead')) {
    events.push({ at: job.finishedOn, type: state, attempt: job.attemptsStarted });
  }
  return events.sort((a, b) => a.at - b.at).slice(-50);
}

/** What a record needs beyond the BullMQ job. */
export interface RecordExtras {
  /** When the job may next run, when BullMQ keeps it in the delayed set. */
  runAt?: number;
  logs?: readonly string[];
  /** The fair-queue group the job was stored with (kept beside BullMQ's fields, fair-groups.ts). */
  group?: string | undefined;
}

/** Builds errand's view of a BullMQ job in a known BullMQ state. */
export function toJobRecord(job: Job, state: JobState, extras: RecordExtras = {}): JobRecord {
  const progress: unknown = job.progress;
  const error = problemFromFailedReason(job.failedReason);
  const record: JobRecord = {
    id: job.id ?? '',
    task: job.name,
    payload: job.data,
    state,
    priority: job.priority,
    attempts: job.attemptsStarted,
    maxAttempts: job.opts.attempts ?? 1,
    createdAt: job.timestamp,
    runAt: extras.runAt ?? heldRunAt(job.timestamp, job.opts.delay) ?? job.timestamp + (job.opts.delay ?? 0),
    updatedAt: Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0),
    history: historyOf(job, state, extras.logs ?? []),
  };
  if (job.deduplicationId !== undefined) record.key = job.deduplicationId;
  if (extras.group !== undefined) record.group = extras.group;
  const meta = jobMetaOf(job.opts);
  if (meta !== undefined) record.meta = meta;
  // BullMQ reports 0 for a job that never reported progress; errand says "none yet".
  if (progress !== 0 && progress !== undefined && progress !== null) record.progress = progress;
  if (state === 'succeeded') record.result = job.returnvalue as unknown;
  if (error !== undefined && state !== 'succeeded') record.error = error;
  if (job.processedOn !== undefined && job.processedOn > 0) record.startedAt = job.processedOn;
  if (job.finishedOn !== undefined && job.finishedOn > 0 && (state === 'succeeded' || state === 'dead')) record.finishedAt = job.finishedOn;
  const lastEvent = record.history.at(-1);
  if (lastEvent !== undefined && lastEvent.at > record.updatedAt) record.updatedAt = lastEvent.at;
  return record;
}
