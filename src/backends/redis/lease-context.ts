import type { BatchScripts } from './batch-scripts.js';
import type { HeldJobs } from './held-jobs.js';
import type { ManageContext } from './manage-jobs.js';
import type { RedisSeries } from './redis-series.js';

/** What the lease operations (claim, complete, fail, cancel, release) share, beyond the job actions' context. */
export interface LeaseContext extends ManageContext {
  /** The jobs this process claimed. */
  readonly held: HeldJobs;
  /** The throughput series each ended attempt is added to. */
  readonly series: RedisSeries;
  /** errand's batch forms of BullMQ's scripts (one call per batch), or undefined to use one call per job. */
  readonly scripts: BatchScripts | undefined;
}
