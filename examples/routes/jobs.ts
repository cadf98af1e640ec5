import type { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { errorResponses } from 'errand/errors';
import { jobsRoutes } from 'errand/hono';
import type { JobReader } from 'errand/hono';
import { jobStates } from 'errand/jobs';
import { jsonAnswer } from '../api-docs.js';
import type { ServiceEnv } from '../service-env.js';

const jobStatus = z.object({
  id: z.string(),
  task: z.string(),
  state: z.enum(jobStates),
  attempts: z.number().int(),
  progress: z.unknown().meta({ description: 'The last progress the handler reported, or null.' }),
  result: z.unknown().meta({ description: "The handler's return value once succeeded, or null." }),
  error: z.unknown().meta({ description: "The last attempt's error as a problem object (5xx details hidden in production), or null." }),
});

/**
 * `GET /jobs/{id}`: errand's `jobsRoutes`, the status of a job accepted with 202 (`POST /upload`,
 * `POST /orders`). Documented by a `describeRoute` on the same path, which runs before errand's handler.
 */
export function jobRoutes(app: Hono<ServiceEnv>, reader: JobReader): void {
  app.get('/jobs/:id', describeRoute({ summary: "A job's state, attempts, progress and outcome", responses: { 200: jsonAnswer('The job', jobStatus), ...errorResponses([404]) } }));
  app.route('/jobs', jobsRoutes(reader));
}
