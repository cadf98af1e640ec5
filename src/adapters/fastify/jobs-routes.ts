import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorMode } from '../../errors/error-mode.js';
import { acceptedBody, readJobStatus, type AcceptedJobOptions, type JobReader } from '../shared/job-status.js';
import { jsonResponse } from './json-response.js';

/**
 * Answers `202 Accepted` with `Location: /jobs/{id}` and `{ jobId, status: 'queued', location }`:
 * the job was taken, poll the location for its outcome.
 *
 * @example
 * app.post('/upload', async (request, reply) => acceptedJob(reply, await queue.enqueue(processUpload, { file })));
 */
export function acceptedJob(reply: FastifyReply, id: string, options: AcceptedJobOptions = {}): FastifyReply {
  const { location, body } = acceptedBody(id, options);
  return jsonResponse(reply, body, 202, { location });
}

/**
 * A Fastify plugin with `GET /:id` answering the job's status; register it with a prefix. An
 * unknown id (never existed, or pruned after its retention) is a 404 problem `ERRAND_JOB_NOT_FOUND`
 * through errand.
 *
 * @example
 * app.register(jobsRoutes(queue), { prefix: '/jobs' });
 */
export function jobsRoutes(reader: JobReader): (app: FastifyInstance, options: unknown, done: (error?: Error) => void) => void {
  return function errandJobsRoutes(app, _options, done) {
    app.get<{ Params: { id: string } }>('/:id', async function errandJobStatus(request, reply) {
      // The installed errand's mode (errand(app, { mode })), else NODE_ENV's.
      const mode = (app as FastifyInstance & { errand?: { mode: ErrorMode } }).errand?.mode;
      return jsonResponse(reply, await readJobStatus(reader, request.params.id, mode), 200, { 'cache-control': 'no-store' });
    });
    done();
  };
}
