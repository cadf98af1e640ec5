import { ErrandError } from '../../errors/errand-error.js';
import type { ProblemDetails } from '../../errors/problem-details.js';
import type { JobRecord, JobState } from '../../jobs/job.js';

/** What the status route needs: anything that reads a job by id (a `Queue`, or a `JobBackend`). */
export interface JobReader {
  get(id: string): Promise<JobRecord | undefined>;
}

/** The body of `GET /jobs/:id`. Missing values are `null`, so clients see one stable shape. */
export interface JobStatus {
  id: string;
  task: string;
  state: JobState;
  attempts: number;
  /** The last progress reported by the handler. */
  progress: unknown;
  /** The handler's return value once `succeeded`. */
  result: unknown;
  /** The last attempt's error, as a problem object. */
  error: ProblemDetails | null;
}

/** Options of `jobsRoutes` and `acceptedJob`. */
export interface JobsRoutesOptions {
  /** Where the status route is mounted; used to build `Location`. @default '/jobs' */
  basePath?: string;
}

/** Options of `acceptedJob`. */
export interface AcceptedJobOptions extends JobsRoutesOptions {
  /** Extra members of the 202 body (e.g. a domain id). @default {} */
  body?: Record<string, unknown>;
}

/** `/jobs/{id}` under `basePath`, the id percent-encoded. */
export function jobLocation(id: string, basePath = '/jobs'): string {
  return `${basePath.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;
}

/** The 202 body and its `Location`: `{ jobId, status: 'queued', location }` plus `options.body`. */
export function acceptedBody(id: string, options: AcceptedJobOptions = {}): { location: string; body: Record<string, unknown> } {
  const location = jobLocation(id, options.basePath);
  return { location, body: { jobId: id, status: 'queued', location, ...options.body } };
}

/**
 * The public view of a job for status polling.
 *
 * @example
 * jobStatus(await queue.get(id)) // { id, task, state: 'running', attempts: 1, progress: 40, result: null, error: null }
 */
export function jobStatus(job: JobRecord): JobStatus {
  return { id: job.id, task: job.task, state: job.state, attempts: job.attempts, progress: job.progress ?? null, result: job.result ?? null, error: job.error ?? null };
}

/** The status of job `id`, or a thrown 404 `ERRAND_JOB_NOT_FOUND`: an unknown job is not "pending". */
export async function readJobStatus(reader: JobReader, id: string): Promise<JobStatus> {
  const job = await reader.get(id);
  if (job === undefined) throw new ErrandError('ERRAND_JOB_NOT_FOUND', `no job has id "${id}" (it never existed, or it finished and was pruned)`);
  return jobStatus(job);
}
