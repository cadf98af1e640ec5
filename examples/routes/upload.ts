import { join } from 'node:path';
import type { Hono } from 'hono';
import { acceptedJob } from 'errand/hono';
import { receiveUpload } from '../files/receive-upload.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';

/**
 * `POST /upload` (seed §2.2): streams the multipart field `file` to `<dataDir>/uploads` (413 past
 * UPLOAD_LIMIT_BYTES, with the partial file removed), then enqueues the durable `analyze-upload`
 * job and answers 202 `{"jobId","status"}` with `Location: /jobs/{id}`.
 */
export function uploadRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.post('/upload', async (c) => {
    const file = await receiveUpload(c.req.raw, { dir: join(runtime.config.dataDir, 'uploads'), limitBytes: runtime.config.uploadLimitBytes });
    const jobId = await runtime.queue.enqueue(runtime.tasks.analyzeUpload, file);
    return acceptedJob(c, jobId);
  });
}
