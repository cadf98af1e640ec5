import { isErrandError } from '../errors/errand-error.js';
import type { JobBackend } from './backend.js';
import type { ScheduleDefinition } from './define-schedule.js';
import type { ScheduleStore } from './schedule-store.js';
import { runDueSchedules, syncSchedules, type GroupOf } from './scheduler.js';
import { sleep } from './worker-timers.js';

/** What a worker's scheduler needs. */
export interface WorkerSchedulerOptions {
  backend: JobBackend;
  /** The worker's declarations, upserted at start; undefined leaves the stored schedules alone. */
  definitions: readonly ScheduleDefinition[] | undefined;
  /** The worker's task names: it ticks only their schedules, and removes only their undeclared ones. */
  tasks: readonly string[];
  /** Longest sleep between two looks at the stored schedules. */
  pollMs: number;
  /** The fair-queue group of a tick's job, from the worker's task definitions. */
  groupOf?: GroupOf;
  /**
   * Resolves when the worker can run a tick's job at once (its first claim was answered): the
   * schedules are upserted and ticked from then on, so the first ticks do not wait for the claim
   * loop's start-up (connections, BullMQ workers, scripts: about 300 ms on a loaded machine).
   * Waited for at most `pollMs` × 10.
   */
  ready?: Promise<void>;
  now: () => number;
  onError: (error: Error) => void;
}

/** Shortest sleep between rounds, so a schedule due again at once does not spin. */
const minSleepMs = 5;

/**
 * Starts a worker's scheduler: upserts its declarations, then, until stopped, sleeps until the
 * earliest next tick (at most `pollMs`, so schedules changed elsewhere are seen) and handles the due
 * ones. Every worker runs one; the compare-and-set in the store makes one of them win each tick.
 * Returns the function that stops it (resolving once the round in progress has ended).
 */
export function startScheduler(options: WorkerSchedulerOptions): () => Promise<void> {
  const { backend, definitions, tasks, pollMs, now, onError, groupOf } = options;
  const store = backend.schedules;
  const stop = new AbortController();
  if (store === undefined) return () => Promise.resolve();
  const taskSet = new Set(tasks);
  const report = (error: unknown): void => onError(error instanceof Error ? error : new Error(String(error)));
  async function loop(store: ScheduleStore): Promise<void> {
    if (options.ready !== undefined) await Promise.race([options.ready, sleep(pollMs * 10, stop.signal)]);
    if (stop.signal.aborted) return;
    if (definitions !== undefined) {
      for (;;) {
        try {
          await syncSchedules(store, definitions, tasks, now());
          break;
        } catch (error) {
          report(error);
          // A bad declaration (a payload the schema refuses, two schedules with one name) stays bad: only an unreachable backend is tried again.
          if (!(isErrandError(error) && error.code === 'ERRAND_BACKEND_UNAVAILABLE')) return;
          await sleep(pollMs, stop.signal);
          if (stop.signal.aborted) return;
        }
      }
    }
    while (!stop.signal.aborted) {
      let wait = pollMs;
      try {
        const at = now();
        wait = Math.min(pollMs, Math.max(minSleepMs, (await runDueSchedules(backend, store, taskSet, at, groupOf, true)) - now()));
      } catch (error) {
        report(error);
      }
      await sleep(wait, stop.signal);
    }
  }
  const running = loop(store);
  return () => {
    stop.abort();
    return running;
  };
}
