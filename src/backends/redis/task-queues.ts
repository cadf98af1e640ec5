import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisNames } from './redis-names.js';

/** Carries the retry time errand's worker computed through BullMQ's failure path. */
export class RetryAtError extends Error {
  override name = 'RetryAtError';
  constructor(
    message: string,
    readonly retryAt: number,
    /** Added to the delay: a grouped job's retry is held for its group's turn (fair-groups.ts). */
    readonly holdMs = 0,
  ) {
    super(message);
  }
}

/**
 * BullMQ computes retry delays itself; errand already decided when the next attempt runs, so this
 * custom strategy (the job's `backoff: { type: 'errand' }`) hands BullMQ that decision.
 */
function errandBackoff(_attemptsMade: number, _type: string | undefined, error: Error | undefined): number {
  if (error instanceof RetryAtError) return Math.max(0, error.retryAt - Date.now()) + error.holdMs;
  return 0;
}

/** Settings shared by every task's BullMQ worker. */
export interface TaskQueueSettings {
  client: Redis;
  names: RedisNames;
  stalledIntervalMs: number;
}

/**
 * One BullMQ Queue per task (enqueue, reads, admin) and, in processes that claim, one BullMQ Worker
 * per task in manual mode (no processor, `autorun: false`): errand's own worker drives it through
 * `getNextJob`, and BullMQ keeps doing what it is good at: atomic moves, locks and stalled checks.
 */
export class TaskQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly knownTasks = new Set<string>();
  private closed = false;

  constructor(private readonly settings: TaskQueueSettings) {}

  /** The shared connection (BullMQ's queues and workers use it too). */
  get client(): Redis {
    return this.settings.client;
  }

  queue(task: string): Queue {
    let queue = this.queues.get(task);
    if (queue === undefined) {
      const { client, names } = this.settings;
      queue = new Queue(names.taskQueue(task), { connection: client, prefix: names.prefix });
      // Errors surface on the awaiting call; the event only keeps Node from treating them as unhandled.
      queue.on('error', () => undefined);
      this.queues.set(task, queue);
    }
    return queue;
  }

  /** The manual-mode worker of `task`, created with `lockMs` as BullMQ's lock duration. */
  worker(task: string, lockMs: number): Worker {
    let worker = this.workers.get(task);
    if (worker === undefined) {
      const { client, names, stalledIntervalMs } = this.settings;
      worker = new Worker(names.taskQueue(task), null, {
        connection: client,
        prefix: names.prefix,
        autorun: false,
        lockDuration: lockMs,
        stalledInterval: stalledIntervalMs,
        // errand counts lapsed leases against the job's attempts itself (see claim), so BullMQ must
        // never fail a job for stalling on its own.
        maxStalledCount: Number.MAX_SAFE_INTEGER,
        skipLockRenewal: true,
        settings: { backoffStrategy: errandBackoff },
      });
      worker.on('error', () => undefined);
      this.workers.set(task, worker);
      // The stalled checker is a loop of timers ended by close(); BullMQ guards it with a Redis key so
      // one process per interval does the scan, however many workers run.
      void worker.startStalledCheckTimer();
    }
    return worker;
  }

  /** Workers created so far, by task (heartbeats extend locks through them). */
  existingWorker(task: string): Worker | undefined {
    return this.workers.get(task);
  }

  /** Records `task` in the task set once per process, so stats and lookups can find its queue. */
  async remember(tasks: Iterable<string>): Promise<void> {
    const fresh = [...new Set(tasks)].filter((task) => !this.knownTasks.has(task));
    if (fresh.length === 0) return;
    await this.settings.client.sadd(this.settings.names.tasksKey, ...fresh);
    for (const task of fresh) this.knownTasks.add(task);
  }

  /** Every task that ever had a job in this queue (from Redis, so other processes' tasks count). */
  async allTasks(): Promise<string[]> {
    const tasks = await this.settings.client.smembers(this.settings.names.tasksKey);
    for (const task of tasks) this.knownTasks.add(task);
    return tasks.sort();
  }

  /** Finds which task's queue holds job `id`: one EXISTS per task, pipelined. */
  async locate(id: string): Promise<string | undefined> {
    const tasks = await this.allTasks();
    if (tasks.length === 0) return undefined;
    const pipeline = this.settings.client.pipeline();
    for (const task of tasks) pipeline.exists(this.settings.names.jobKey(task, id));
    const results = (await pipeline.exec()) ?? [];
    const index = results.findIndex(([error, exists]) => error === null && exists === 1);
    return index === -1 ? undefined : tasks[index];
  }

  async job(task: string, id: string): Promise<Job | undefined> {
    return (await this.queue(task).getJob(id)) ?? undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing = [...this.workers.values()].map((worker) => worker.close(true));
    closing.push(...[...this.queues.values()].map((queue) => queue.close()));
    await Promise.allSettled(closing);
  }
}
