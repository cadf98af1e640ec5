/**
 * `errand/jobs/backend`: what writing a job backend needs, kept off the user's API. A backend
 * implements `JobBackend` (src/jobs/README.md describes the contract), raises the errors below,
 * and passes `describeBackendConformance` from `errand/testing/conformance`.
 */
export type {
  AppTransaction,
  ClaimedJob,
  ClaimOptions,
  Completion,
  FailOptions,
  GroupClaim,
  JobBackend,
  JobPage,
  Lease,
  LeaseStatus,
  ListOptions,
  LivenessSpec,
  LivenessWriter,
  LivenessWriterModule,
  QueueStats,
  RetentionOptions,
} from './backend.js';
export { backendRetryAfterSeconds, backendUnavailableError, defaultRetention, leaseExpiredProblem, leaseLostError } from './backend-errors.js';
export { decideDedupe, type DedupeDecision, type JobDedupe, type KeyHolder } from './dedupe.js';
export type { EnqueueResult, JobEvent, JobMeta, JobRecord, JobState, NewJob } from './job.js';
export { fairGroupId, pickFair, type FairCandidate, type FairGroupState, type FairPick } from './fair-order.js';
export { rateRetryAt } from './rate-window.js';
export type { RunnableTask } from './runnable-task.js';
export type { ScheduleAdvance, ScheduleStore } from './schedule-store.js';
