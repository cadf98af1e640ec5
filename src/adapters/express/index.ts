/** errand for Express 5: `import { errand } from 'errand/express'` (see docs/adapters.md). */
export { allowedMethods } from './allowed-methods.js';
export { errand, type ExpressErrand, type ExpressErrandOptions, type ExpressErrorExtra } from './errand.js';
export { fromBodyParser } from './framework-errors.js';
export { acceptedJob, jobsRoutes } from './jobs-routes.js';
export { httpMetrics } from './http-metrics.js';
export { jsonResponse } from './json-response.js';
export { mount } from './mount.js';
export { validate } from './validate.js';
export { jobStatus, type AcceptedJobOptions, type JobReader, type JobStatus, type JobsRoutesOptions } from '../shared/job-status.js';
export type { ValidationTarget } from '../shared/request-validation.js';
export { toJsonSchema } from '../shared/to-json-schema.js';
export type { NodeBackgroundOptions, NodeErrand, NodeErrandOptions } from '../node/node-errand.js';
export type { MountableApp } from '../shared/mountable-app.js';
export { answerClientErrors, type ClientErrorOptions } from '../node/client-errors.js';
export { createGracefulShutdown, type ClosableBackend, type GracefulShutdown, type GracefulShutdownOptions, type StoppableWorker } from '../node/graceful-shutdown.js';
