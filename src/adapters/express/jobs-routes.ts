import { Router, type Response } from 'express';
import type { ErrorMode } from '../../errors/error-mode.js';
import { acceptedBody, readJobStatus, type AcceptedJobOptions, type JobReader } from '../shared/job-status.js';
import { jsonResponse } from './json-response.js';

/**
 * Answers `202 Accepted` with `Location: /jobs/{id}` and `{ jobId, status: 'queued', location }`:
 * the job was taken, poll the location for its outcome.
 *
 * @example
 * app.post('/upload', async (req, res) => acceptedJob(res, await queue.enqueue(processUpload, { file })));
 */
export function acceptedJob(res: Response, id: string, options: AcceptedJobOptions = {}): void {
  const { location, body } = acceptedBody(id, options);
  jsonResponse(res, body, 202, { location });
}

/**
 * An Express router with `GET /:id` answering the job's status. An unknown id (never existed, or
 * pruned after its retention) is a 404 problem `ERRAND_JOB_NOT_FOUND` through errand.
 *
 * @example
 * app.use('/jobs', jobsRoutes(queue));
 */
export function jobsRoutes(reader: JobReader): Router {
  const routes = Router();
  routes.get('/:id', async function errandJobStatus(req, res) {
    // The installed errand's mode (errand(app, { mode })), else NODE_ENV's.
    const mode = (req.app.get('errand') as { mode: ErrorMode } | undefined)?.mode;
    jsonResponse(res, await readJobStatus(reader, req.params.id, mode), 200, { 'cache-control': 'no-store' });
  });
  return routes;
}
