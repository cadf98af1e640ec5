import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import { claimFromTask } from './claim-from-task.js';
import { endCancelled } from './end-cancelled.js';
import type { LeaseContext } from './lease-context.js';
import { toBackendError } from './lease-errors.js';
import { takeBackLapsedJobs } from './lua-scripts.js';
import { groupedTaskOf, queueKeyOf } from './redis-context.js';
import { sendBackOutOfTurn } from './stalled-grouped.js';
import type { WorkWaiter } from './wait-for-work.js';

/**
 * The backend's `claim`: passes over the asked tasks from a rotating start (no task starves the
 * others), taking back lapsed leases and releasing fair-queue groups' turns before each task's take,
 * and, while nothing is ready, waits on BullMQ's markers (wait-for-work.ts) until `waitMs` runs out.
 */
export class JobClaimer {
  private rotation = 0;
  private readonly lastLapsedScan = new Map<string, number>();

  constructor(
    private readonly context: LeaseContext,
    private readonly waiter: WorkWaiter,
    /** The lease of a claim that asks for none (`leaseMs` 0). */
    private readonly lockDurationMs: number,
  ) {}

  async claim(options: ClaimOptions): Promise<ClaimedJob[]> {
    const deadline = Date.now() + options.waitMs;
    this.waiter.open();
    for (;;) {
      if (options.signal?.aborted === true || options.tasks.length === 0) return [];
      const claimedAt = Date.now();
      const claimed = await this.claimReady(options);
      if (claimed.length > 0) return claimed;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await this.waiter.wait(options.tasks.map((task) => queueKeyOf(this.context.names, task)), remaining, claimedAt, options.signal);
    }
  }

  /** One pass over the tasks, starting at a rotating one so no task starves the others. */
  private async claimReady(options: ClaimOptions): Promise<ClaimedJob[]> {
    const { context } = this;
    const tasks = options.tasks;
    const start = this.rotation++ % tasks.length;
    const claimed: ClaimedJob[] = [];
    try {
      for (let i = 0; i < tasks.length && claimed.length < options.limit; i++) {
        const task = tasks[(start + i) % tasks.length];
        const worker = context.queues.worker(task, options.leaseMs || this.lockDurationMs);
        await this.takeBackLapsed(task, options.leaseMs || this.lockDurationMs);
        const group = options.groups?.[task];
        if (group !== undefined) await context.fair.release(groupedTaskOf(context, task), options.limit - claimed.length, group.concurrency, Date.now());
        const jobs = await claimFromTask(worker, task, options, options.limit - claimed.length, context.client, (id) => context.names.jobKey(task, id), context.names.cancelRequestedKey, context.scripts);
        for (const { claim, held, cancel } of jobs) {
          context.held.hold(claim.jobId, held);
          if (cancel) await endCancelled(context, claim);
          else if (await sendBackOutOfTurn(context, held)) context.held.forget(claim);
          else claimed.push(claim);
        }
      }
      return claimed;
    } catch (error) {
      // Jobs claimed before the failure stay locked and lapse back to the queue via the stalled check.
      throw toBackendError(error);
    }
  }

  /**
   * Returns jobs whose lease lapsed to the queue before claiming, at most every half lease (capped at
   * 250 ms) per task: BullMQ's own stalled checker needs two passes of its interval, too slow for a
   * lease measured in hundreds of milliseconds. It still runs, as a backstop for tasks nobody claims.
   */
  private async takeBackLapsed(task: string, leaseMs: number): Promise<void> {
    const now = Date.now();
    if (now - (this.lastLapsedScan.get(task) ?? 0) < Math.min(250, Math.max(10, leaseMs / 2))) return;
    this.lastLapsedScan.set(task, now);
    const where = { livenessKeyPrefix: this.context.names.livenessKeyPrefix, cancelRequestedKey: this.context.names.cancelRequestedKey, groupPrefix: groupedTaskOf(this.context, task).ownPrefix };
    await takeBackLapsedJobs(this.context.client, queueKeyOf(this.context.names, task), where);
  }
}
