import { Counter, Gauge, type Registry } from 'prom-client';
import type { JobBackend, QueueStats } from '../jobs/backend.js';
import { jobStates } from '../jobs/job.js';

/**
 * Registers gauges read from `backend.stats()` at scrape time, so they describe the whole queue
 * (every process, every worker), not just this one: `errand_queue_jobs{state}`,
 * `errand_queue_task_jobs{task,state}` and `errand_queue_oldest_waiting_age_seconds` (0 when
 * nothing waits). A failing backend does not fail the scrape: the gauges keep their last values and
 * `errand_queue_stats_errors_total` counts the failure.
 *
 * @example
 * createQueueMetrics(registry, 'errand_', backend)
 */
export function createQueueMetrics(registry: Registry, prefix: string, backend: JobBackend): void {
  const errors = new Counter({ name: `${prefix}queue_stats_errors_total`, help: 'Scrapes at which backend.stats() failed.', registers: [registry] });
  // One stats() call per scrape serves all three gauges: the registry collects metrics in
  // registration order, so the first gauge reads afresh and the other two reuse its answer.
  let current: Promise<QueueStats | undefined> | undefined;
  function readStats(): Promise<QueueStats | undefined> {
    current = backend.stats().catch(() => {
      errors.inc();
      return undefined;
    });
    return current;
  }
  const sameScrape = (): Promise<QueueStats | undefined> => current ?? readStats();

  new Gauge({
    name: `${prefix}queue_jobs`,
    help: 'Jobs in the queue by state (queued is the depth of work ready to run).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const stats = await readStats();
      if (stats === undefined) return;
      for (const state of jobStates) this.set({ state }, stats.counts[state]);
    },
  });
  new Gauge({
    name: `${prefix}queue_task_jobs`,
    help: 'Jobs in the queue by task and state.',
    labelNames: ['task', 'state'],
    registers: [registry],
    async collect() {
      const stats = await sameScrape();
      if (stats === undefined) return;
      // Tasks that disappeared from the queue must not keep reporting their last counts.
      this.reset();
      for (const [task, counts] of Object.entries(stats.byTask)) {
        for (const state of jobStates) this.set({ task, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: `${prefix}queue_oldest_waiting_age_seconds`,
    help: 'Age of the oldest job ready to run but not yet claimed; 0 when none waits.',
    registers: [registry],
    async collect() {
      const stats = await sameScrape();
      if (stats === undefined) return;
      this.set(stats.oldestQueuedAt === undefined ? 0 : Math.max(0, Date.now() - stats.oldestQueuedAt) / 1000);
    },
  });
}
