import { Counter, Histogram, type Registry } from 'prom-client';
import type { JobBackend } from '../jobs/backend.js';
import type { WorkerEvents } from '../jobs/worker-events.js';

/** Anything that emits a worker's events (the worker from `createWorker`). */
export interface WorkerEventSource {
  on<E extends keyof WorkerEvents>(event: E, listener: (event: WorkerEvents[E]) => void): () => void;
}

/** Durable job metrics. */
export interface JobMetrics {
  /** Subscribes to a worker's events; returns the function that unsubscribes. */
  observe(worker: WorkerEventSource): () => void;
  /**
   * Wraps a backend so every job it stores is counted as enqueued, whoever enqueues it; jobs written
   * in the app's transaction (`{ tx }`) are counted apart, as enqueued in a transaction.
   */
  instrument<B extends JobBackend>(backend: B): B;
  /** Records enqueued jobs by hand. */
  enqueued(task: string, count?: number): void;
}

/**
 * Registers the durable job metrics: `errand_jobs_enqueued_total{task}`,
 * `errand_jobs_enqueued_in_transaction_total{task}` (written in the app's transaction, counted at
 * the write: one the app rolled back afterwards was counted all the same),
 * `errand_jobs_succeeded_total{task}`, `errand_jobs_failed_total{task}` (failed attempts, retried or
 * not), `errand_jobs_dead_total{task}`, `errand_jobs_cancelled_total{task}` and
 * `errand_job_duration_seconds{task,outcome}`. Counted in the process that runs the worker (or
 * enqueues, for `enqueued`); give each worker process its own `/metrics`.
 *
 * @example
 * const jobs = createJobMetrics(registry, 'errand_', [0.01, 0.1, 1, 10])
 * const queue = createQueue({ backend: jobs.instrument(backend) })
 * jobs.observe(worker)
 */
export function createJobMetrics(registry: Registry, prefix: string, buckets: number[]): JobMetrics {
  const counter = (name: string, help: string): Counter<'task'> => new Counter({ name: `${prefix}jobs_${name}_total`, help, labelNames: ['task'], registers: [registry] });
  const enqueuedTotal = counter('enqueued', 'Durable jobs stored (deduplicated enqueues not counted), by task.');
  const enqueuedInTransaction = counter(
    'enqueued_in_transaction',
    "Durable jobs written in the app's own transaction (enqueue with tx), by task; counted at the write, so jobs the app then rolled back are included.",
  );
  const succeeded = counter('succeeded', 'Durable jobs that succeeded, by task.');
  const failed = counter('failed', 'Failed attempts of durable jobs (whether retried or not), by task.');
  const dead = counter('dead', 'Durable jobs that ran out of attempts or failed unrecoverably, by task.');
  const cancelled = counter('cancelled', 'Durable jobs cancelled while running, by task.');
  const duration = new Histogram({ name: `${prefix}job_duration_seconds`, help: 'Run time of durable job attempts, by task and outcome (succeeded, failed).', labelNames: ['task', 'outcome'], buckets, registers: [registry] });

  function observe(worker: WorkerEventSource): () => void {
    // Attempt start times, to time failed attempts; cleared when the attempt ends or the worker stops.
    const startedAt = new Map<string, number>();
    const elapsed = (token: string): number | undefined => {
      const start = startedAt.get(token);
      startedAt.delete(token);
      return start === undefined ? undefined : performance.now() - start;
    };
    const unsubscribe = [
      worker.on('job:started', (e) => startedAt.set(e.job.token, performance.now())),
      worker.on('job:succeeded', (e) => {
        startedAt.delete(e.job.token);
        succeeded.inc({ task: e.job.task });
        duration.observe({ task: e.job.task, outcome: 'succeeded' }, e.durationMs / 1000);
      }),
      worker.on('job:failed', (e) => {
        failed.inc({ task: e.job.task });
        const ms = elapsed(e.job.token);
        if (ms !== undefined) duration.observe({ task: e.job.task, outcome: 'failed' }, ms / 1000);
      }),
      worker.on('job:dead', (e) => dead.inc({ task: e.job.task })),
      worker.on('job:cancelled', (e) => {
        startedAt.delete(e.job.token);
        cancelled.inc({ task: e.job.task });
      }),
      worker.on('worker:stopped', () => startedAt.clear()),
    ];
    return () => {
      for (const off of unsubscribe) off();
      startedAt.clear();
    };
  }

  function instrument<B extends JobBackend>(backend: B): B {
    const enqueue: JobBackend['enqueue'] = async (jobs) => {
      const results = await backend.enqueue(jobs);
      results.forEach((result, i) => {
        const job = jobs[i];
        if (result.created && job !== undefined) enqueuedTotal.inc({ task: job.task });
      });
      return results;
    };
    const inTransaction = backend.enqueueInTransaction?.bind(backend);
    const enqueueInTransaction: JobBackend['enqueueInTransaction'] =
      inTransaction &&
      (async (tx, jobs) => {
        const results = await inTransaction(tx, jobs);
        results.forEach((result, i) => {
          const job = jobs[i];
          if (result.created && job !== undefined) enqueuedInTransaction.inc({ task: job.task });
        });
        return results;
      });
    return new Proxy(backend, {
      get(target, property) {
        if (property === 'enqueue') return enqueue;
        if (property === 'enqueueInTransaction') return enqueueInTransaction;
        const value: unknown = Reflect.get(target, property, target);
        // Bind so backends that keep state in private fields (#x) still see themselves as `this`.
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  return { observe, instrument, enqueued: (task, count = 1) => enqueuedTotal.inc({ task }, count) };
}
