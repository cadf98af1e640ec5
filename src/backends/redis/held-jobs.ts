import type { Lease } from '../../jobs/backend.js';
import type { HeldJob } from './claim-from-task.js';
import { leaseLost } from './lease-errors.js';
import type { TaskQueues } from './task-queues.js';

/**
 * The jobs this process claimed, by id: which task queue each is in, BullMQ's Job object and the lock
 * token. A lease this process did not claim (another process's worker, or one forgotten) is looked up
 * in Redis instead, so every lease operation works from any process.
 */
export class HeldJobs {
  private readonly byId = new Map<string, HeldJob>();

  constructor(private readonly queues: TaskQueues) {}

  /** The job held under `id`, if this process claimed it. */
  get(id: string): HeldJob | undefined {
    return this.byId.get(id);
  }

  hold(id: string, held: HeldJob): void {
    this.byId.set(id, held);
  }

  /** Drops the job of `lease`, unless a later claim of it (another token) holds it now. */
  forget(lease: Pick<Lease, 'jobId' | 'token'>): void {
    if (this.byId.get(lease.jobId)?.token === lease.token) this.byId.delete(lease.jobId);
  }

  /** The task of a job this process holds, else looked up in Redis. */
  async taskOf(jobId: string): Promise<string | undefined> {
    return this.byId.get(jobId)?.task ?? (await this.queues.locate(jobId));
  }

  /** The job `lease` presents: held here, else read from Redis; ERRAND_LEASE_LOST when the job is gone. */
  async of(lease: Lease): Promise<HeldJob> {
    const held = this.byId.get(lease.jobId);
    if (held !== undefined) return held;
    const task = await this.queues.locate(lease.jobId);
    const job = task === undefined ? undefined : await this.queues.job(task, lease.jobId);
    if (task === undefined || job === undefined) throw leaseLost(lease.jobId);
    return { task, job, token: lease.token };
  }
}
