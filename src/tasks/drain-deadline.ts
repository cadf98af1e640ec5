import type { DrainReport } from './drain.js';
import { logSafely } from './log-safely.js';
import type { TaskBatch } from './task-batch.js';
import { shouldRun, taskInfo, type DefinedTaskEntry } from './task-entry.js';
import type { TaskEvents, TaskInfo } from './task-events.js';
import type { TaskLogger } from './task-runner-options.js';
import type { TaskStats } from './task-stats.js';

/** The runner's bookkeeping the drain deadline works with (the runner hands over its own). */
export interface DeadlineBookkeeping {
  readonly stats: TaskStats;
  readonly events: TaskEvents;
  readonly logger: TaskLogger;
  /** Whether the runner has a durable queue to move defined tasks to. */
  readonly hasQueue: boolean;
  /** Enqueues a defined task, counting and reporting it; its job id, or undefined when the queue refused it. */
  enqueue(batch: TaskBatch, entry: DefinedTaskEntry): Promise<string | undefined>;
  /** Counts a task its `when` rules out. */
  skip(task: TaskInfo, status: number): void;
  /** Counts a task whose code has not returned after its run ended, until `late` settles. */
  abandon(late: Promise<void>): void;
  /** The batch has nothing left: no longer pending. */
  retire(batch: TaskBatch): void;
}

/**
 * What the runner does to a batch once the drain stopped waiting: it interrupts the task running
 * (its signal aborts) and gives up on those not started, moving defined tasks to the durable queue
 * and dropping the rest, each counted, logged and reported in the {@link DrainReport}.
 *
 * @example
 * const deadline = new DrainDeadline(bookkeeping);
 * if (!idle) await deadline.pass([...pendingBatches], report);
 */
export class DrainDeadline {
  readonly #runner: DeadlineBookkeeping;

  constructor(runner: DeadlineBookkeeping) {
    this.#runner = runner;
  }

  /** At the deadline: interrupts every batch's running task, then gives up on the tasks not started. */
  async pass(batches: readonly TaskBatch[], report: DrainReport): Promise<void> {
    for (const batch of batches) this.interrupt(batch, report);
    for (const batch of batches) await this.giveUp(batch, report);
  }

  /**
   * Aborts the batch's running task and counts it as interrupted. The batch no longer counts as
   * running, so the drain can retire it; should the task settle later, its callback finds nothing
   * more to run.
   */
  interrupt(batch: TaskBatch, report: DrainReport): void {
    const run = batch.current;
    const outcome = run?.interrupt();
    if (run === undefined || outcome?.status !== 'interrupted') return;
    const { stats, events, logger } = this.#runner;
    batch.current = undefined;
    batch.running = false;
    stats.running--;
    stats.pending--;
    stats.interrupted++;
    this.#runner.abandon(outcome.late);
    const task = taskInfo(run.entry, batch.requestId);
    report.interrupted.push({ task: task.name, requestId: task.requestId });
    logSafely(logger, 'warn', { code: outcome.error.code, task: task.name, requestId: task.requestId }, outcome.error.message);
    events.emit('task:interrupted', { task, error: outcome.error, durationMs: outcome.durationMs });
  }

  /**
   * Hands every task of the batch not run yet to the queue (defined tasks) or drops it. A task
   * whose `when` rules it out is skipped. When the response never finished (status unknown) only
   * `when: 'always'` defined tasks are enqueued: the others' condition cannot be judged, so they
   * are dropped and reported. `report` is undefined for a batch started after the deadline.
   */
  async giveUp(batch: TaskBatch, report: DrainReport | undefined): Promise<void> {
    const runner = this.#runner;
    const entries = batch.entries;
    const rest = entries.slice(batch.next);
    // Claimed before any await, so the batch's own chain of tasks cannot run them too.
    batch.next = entries.length;
    for (const entry of rest) {
      const task = taskInfo(entry, batch.requestId);
      const reference = { task: task.name, requestId: task.requestId };
      if (batch.status !== undefined && !shouldRun(entry.when, batch.status)) {
        runner.skip(task, batch.status);
        continue;
      }
      const judgeable = batch.status !== undefined || entry.when === 'always';
      if (entry.kind === 'definition' && runner.hasQueue && judgeable) {
        const jobId = await runner.enqueue(batch, entry);
        if (jobId !== undefined) report?.enqueued.push({ ...reference, jobId });
        else report?.dropped.push(reference);
        continue;
      }
      runner.stats.dropped++;
      runner.stats.pending--;
      logSafely(runner.logger, 'warn', { code: 'ERRAND_TASK_DROPPED', task: task.name, requestId: task.requestId }, `after-response task "${task.name}" was dropped at shutdown`);
      runner.events.emit('task:dropped', { task, reason: 'shutdown' });
      report?.dropped.push(reference);
    }
    if (!batch.running) runner.retire(batch);
  }
}
