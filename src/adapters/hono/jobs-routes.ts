import { Hono, type Context, type Env } from 'hono';
import { ErrandError } from '../../errors/errand-error.js';
import { defaultErrorMode, type ErrorMode } from '../../errors/error-mode.js';
import type { JobRecord } from '../../jobs/job.js';
import type { JobReader, JobStatus, JobsRoutesOptions } from '../shared/job-status.js';
import { publicJobProblem } from '../../jobs/public-job-problem.js';
import type { ErrandEnv, ErrandVariables } from './errand-env.js';
import { jsonResponse } from './json-response.js';

export type { JobReader, JobStatus, JobsRoutesOptions } from '../shared/job-status.js';

function location(id: string, basePath = '/jobs'): string {
  return `${basePath.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;
}

/**
 * The public view of a job for status polling. In `production` mode (the default) a 5xx error
 * shows a generic detail and no internal code ({@link publicJobProblem}); operators read the full
 * error on the dashboard, behind its token.
 *
 * @example
 * jobStatus(await queue.get(id)) // { id, task, state: 'running', attempts: 1, progress: 40, result: null, error: null }
 */
export function jobStatus(job: JobRecord, mode: ErrorMode = defaultErrorMode()): JobStatus {
  const error = job.error === undefined || job.error === null ? null : publicJobProblem(job.error, mode);
  return { id: job.id, task: job.task, state: job.state, attempts: job.attempts, progress: job.progress ?? null, result: job.result ?? null, error };
}

/** Options of {@link acceptedJob}. */
export interface AcceptedJobOptions extends JobsRoutesOptions {
  /** Extra members of the 202 body (e.g. a domain id). @default {} */
  body?: Record<string, unknown>;
}

/**
 * Answers `202 Accepted` with `Location: /jobs/{id}` and `{ jobId, status: 'queued', location }`:
 * the job was taken, poll the location for its outcome.
 *
 * @example
 * app.post('/upload', async (c) => acceptedJob(c, await queue.enqueue(processUpload, { file })))
 */
export function acceptedJob(c: Context, id: string, options: AcceptedJobOptions = {}): Response {
  const href = location(id, options.basePath);
  return jsonResponse(c, { jobId: id, status: 'queued', location: href, ...options.body }, 202, { location: href });
}

/**
 * A Hono sub-app with `GET /:id` answering {@link JobStatus}. An unknown id (never existed, or
 * pruned after its retention) throws `ErrandError('ERRAND_JOB_NOT_FOUND')`, which the app's error
 * registry renders as a 404 problem: an unknown job is not "pending".
 *
 * @example
 * app.route('/jobs', jobsRoutes(queue))
 */
export function jobsRoutes<E extends Env = ErrandEnv>(reader: JobReader): Hono<E> {
  const routes = new Hono<E>();
  routes.get('/:id', async (c) => {
    const id = c.req.param('id');
    const job = await reader.get(id);
    if (job === undefined) throw new ErrandError('ERRAND_JOB_NOT_FOUND', `no job has id "${id}" (it never existed, or it finished and was pruned)`);
    // The installed errand's mode (errand(app, { mode })), else NODE_ENV's.
    const mode = (c.var as Partial<ErrandVariables>).errand?.mode ?? defaultErrorMode();
    return jsonResponse(c, jobStatus(job, mode), 200, { 'cache-control': 'no-store' });
  });
  return routes;
}
