export { allowedMethods } from './allowed-methods.js';
export { bodyLimit } from './body-limit.js';
export { errand, type Errand, type ErrandBackgroundOptions, type ErrandOptions, type HonoErrorExtra } from './errand.js';
export type { ErrandEnv, ErrandVariables } from './errand-env.js';
export { guardStream, onStreamError } from './guard-stream.js';
export { jsonResponse } from './json-response.js';
export { newRequestId, saneRequestId } from './request-id.js';
export { RequestIdResponse } from './request-id-response.js';
export { validate, type ValidationTarget } from './validate.js';
export {
  background,
  type BackgroundEnv,
  type BackgroundMiddleware,
  type BackgroundOptions,
  type TaskErrorRegistry,
} from './background.js';
export { serve, type ErrandServer, type ServeOptions, type ShutdownReport } from './serve.js';
export { acceptedJob, jobStatus, jobsRoutes, type AcceptedJobOptions, type JobReader, type JobStatus, type JobsRoutesOptions } from './jobs-routes.js';
export { answerClientErrors, type ClientErrorOptions } from '../node/client-errors.js';
export { createGracefulShutdown, type ClosableBackend, type GracefulShutdown, type GracefulShutdownOptions, type StoppableWorker } from '../node/graceful-shutdown.js';
