/** errand for Fastify 5: `import { errand } from 'errand/fastify'` (see docs/adapters.md). */
export { errand, frameworkErrors, type FastifyErrand, type FastifyErrandOptions, type FastifyErrorExtra } from './errand.js';
export { clientErrorHandler } from './client-error-handler.js';
export { fromFastify } from './fastify-errors.js';
export { genReqId } from './gen-req-id.js';
export { acceptedJob, jobsRoutes } from './jobs-routes.js';
export { httpMetrics } from './http-metrics.js';
export { jsonResponse } from './json-response.js';
export { jsonSchemaTransform, type JsonSchemaTransformInput } from './json-schema-transform.js';
export { mount } from './mount.js';
export { validate } from './validate.js';
export { jobStatus, type AcceptedJobOptions, type JobReader, type JobStatus, type JobsRoutesOptions } from '../shared/job-status.js';
export type { ValidationTarget } from '../shared/request-validation.js';
export { toJsonSchema } from '../shared/to-json-schema.js';
export type { NodeBackgroundOptions, NodeErrand, NodeErrandOptions } from '../node/node-errand.js';
export type { MountableApp } from '../shared/mountable-app.js';
export type { ClientErrorOptions } from '../node/client-errors.js';
export { createGracefulShutdown, type ClosableBackend, type GracefulShutdown, type GracefulShutdownOptions, type StoppableWorker } from '../node/graceful-shutdown.js';
