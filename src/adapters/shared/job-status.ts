import { ErrandError, isErrandError } from '../../errors/errand-error.js';
import { jsonable } from '../../errors/jsonable.js';
import { defaultErrorMode, type ErrorMode } from '../../errors/error-mode.js';
import type { ProblemDetails } from '../../errors/problem-details.js';
import type { JobRecord, JobState } from '../../jobs/job.js';
import { publicJobProblem } from '../../jobs/public-job-problem.js';

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
  /**
   * The handler's return value once `succeeded`. A stored value errand's JSON encoder cannot send
   * (nested deeper than 512 levels, which `JSON.stringify` stores) is replaced by
   * `{ code: 'ERRAND_ENCODING_FAILED', detail }`, as `progress` is: the job still answers.
   */
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
 * The public view of a job for status polling. In `production` mode (the default unless NODE_ENV is
 * `development` or `test`) a 5xx error shows a generic detail and no internal code
 * ({@link publicJobProblem}); operators read the full error on the dashboard, behind its token.
 *
 * @example
 * jobStatus(await queue.get(id)) // { id, task, state: 'running', attempts: 1, progress: 40, result: null, error: null }
 */
export function jobStatus(job: JobRecord, mode: ErrorMode = defaultErrorMode()): JobStatus {
  const error = job.error === undefined || job.error === null ? null : publicJobProblem(job.error, mode);
  return { id: job.id, task: job.task, state: job.state, attempts: job.attempts, progress: sendable(job.progress ?? null, 'progress'), result: sendable(job.result ?? null, 'result'), error };
}

/**
 * `value` when errand's encoder can send it as a member of the status body, else a marker saying
 * why not. A backend stores what `JSON.stringify` accepts, up to some 4,000 levels deep; the
 * encoder stops at 512, and without this the job's status would be a 500 on every poll.
 */
function sendable(value: unknown, member: 'result' | 'progress'): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    // Checked one level down, as it sits inside the status body.
    jsonable([value]);
    return value;
  } catch (error) {
    if (!isErrandError(error, 'ERRAND_ENCODING_FAILED')) throw error;
    // The reason without its path (`/0/0/0/…`, a kilobyte at this depth).
    const reason = error.message.replace(/^cannot encode the response body as JSON: /, '').replace(/ at \/.*$/s, '');
    return { code: 'ERRAND_ENCODING_FAILED', detail: `the job's ${member} is stored but cannot be sent as JSON: ${reason}` };
  }
}

/** The status of job `id`, or a thrown 404 `ERRAND_JOB_NOT_FOUND`: an unknown job is not "pending". */
export async function readJobStatus(reader: JobReader, id: string, mode: ErrorMode = defaultErrorMode()): Promise<JobStatus> {
  const job = await reader.get(id);
  if (job === undefined) throw new ErrandError('ERRAND_JOB_NOT_FOUND', `no job has id "${id}" (it never existed, or it finished and was pruned)`);
  return jobStatus(job, mode);
}
