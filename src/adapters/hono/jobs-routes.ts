import { Hono, type Context, type Env } from 'hono';
import { acceptedBody, readJobStatus, type AcceptedJobOptions, type JobReader } from '../shared/job-status.js';
import type { ErrandEnv, ErrandVariables } from './errand-env.js';
import { jsonResponse } from './json-response.js';

export { jobStatus, type AcceptedJobOptions, type JobReader, type JobStatus, type JobsRoutesOptions } from '../shared/job-status.js';

/**
 * Answers `202 Accepted` with `Location: /jobs/{id}` and `{ jobId, status: 'queued', location }`:
 * the job was taken, poll the location for its outcome.
 *
 * @example
 * app.post('/upload', async (c) => acceptedJob(c, await queue.enqueue(processUpload, { file })))
 */
export function acceptedJob(c: Context, id: string, options: AcceptedJobOptions = {}): Response {
  const { location, body } = acceptedBody(id, options);
  return jsonResponse(c, body, 202, { location });
}

/**
 * A Hono sub-app with `GET /:id` answering the job's status. An unknown id (never existed, or
 * pruned after its retention) throws `ErrandError('ERRAND_JOB_NOT_FOUND')`, which the app's error
 * registry renders as a 404 problem: an unknown job is not "pending".
 *
 * @example
 * app.route('/jobs', jobsRoutes(queue))
 */
export function jobsRoutes<E extends Env = ErrandEnv>(reader: JobReader): Hono<E> {
  const routes = new Hono<E>();
  routes.get('/:id', async (c) => {
    // The installed errand's mode (errand(app, { mode })), else NODE_ENV's.
    const mode = (c.var as Partial<ErrandVariables>).errand?.mode;
    return jsonResponse(c, await readJobStatus(reader, c.req.param('id'), mode), 200, { 'cache-control': 'no-store' });
  });
  return routes;
}
