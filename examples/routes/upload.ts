import { join } from 'node:path';
import type { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { jsonAnswer, locationHeader } from '../api-docs.js';
import { acceptedJob } from 'errand/hono';
import { errorResponses } from 'errand/errors';
import { writeRefusals } from '../limits/write-limits.js';
import { receiveUpload } from '../files/receive-upload.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';

/** The body of errand's `acceptedJob`. */
export const acceptedJobBody = z.object({ jobId: z.string(), status: z.literal('queued'), location: z.string() });

/**
 * `POST /upload` (seed §2.2): streams the multipart field `file` to `<dataDir>/uploads` (413 past
 * UPLOAD_LIMIT_BYTES, with the partial file removed), then enqueues the durable `analyze-upload`
 * job and answers 202 `{"jobId","status"}` with `Location: /jobs/{id}`. Behind the write limits
 * (limits/write-limits.ts): 429 past the client's WRITE_RATE_LIMIT, 507 when the file could take the
 * data directory past DATA_MAX_BYTES, both before a byte of the body is read.
 */
export function uploadRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  const documented = describeRoute({
    summary: 'Upload a file; a durable job analyses it',
    requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } } },
    responses: { 202: jsonAnswer('Stored; poll Location for the analysis', acceptedJobBody, locationHeader), ...errorResponses(writeRefusals) },
  });
  app.post('/upload', documented, async (c) => {
    const file = await receiveUpload(c.req.raw, { dir: join(runtime.config.dataDir, 'uploads'), limitBytes: runtime.config.uploadLimitBytes });
    const jobId = await runtime.queue.enqueue(runtime.tasks.analyzeUpload, file);
    return acceptedJob(c, jobId);
  });
}
