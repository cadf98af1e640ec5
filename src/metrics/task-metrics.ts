import { Counter, Histogram, type Registry } from 'prom-client';
import type { TaskEventMap, TaskEventName } from '../tasks/task-events.js';

/** Anything that emits the after-response task runner's events (the runner from `createTaskRunner`). */
export interface TaskEventSource {
  on<Name extends TaskEventName>(name: Name, listener: (event: TaskEventMap[Name]) => void): () => void;
}

/** How an after-response task ended, as the `outcome` label says it. */
export type TaskOutcome = 'succeeded' | 'failed' | 'timed_out' | 'interrupted' | 'dropped' | 'skipped' | 'enqueued';

/** After-response task metrics. */
export interface TaskMetrics {
  /** Subscribes to a runner's events; returns the function that unsubscribes. */
  observe(runner: TaskEventSource): () => void;
  /** Records one task by hand (for runners of your own). */
  record(task: string, outcome: TaskOutcome, durationMs?: number): void;
  /** Records that a task started running. */
  started(task: string): void;
}

/**
 * Registers the after-response task metrics: `errand_tasks_started_total{task}`,
 * `errand_tasks_total{task,outcome}` (succeeded, failed, timed_out, interrupted, dropped, skipped,
 * enqueued), `errand_task_duration_seconds{task,outcome}` for tasks that ran, and
 * `errand_task_rejected_requests_total` (503s at the in-flight bound).
 *
 * @example
 * const tasks = createTaskMetrics(registry, 'errand_', [0.01, 0.1, 1, 10])
 * tasks.observe(runner)
 */
export function createTaskMetrics(registry: Registry, prefix: string, buckets: number[]): TaskMetrics {
  const started = new Counter({ name: `${prefix}tasks_started_total`, help: 'After-response tasks that began running in this process, by task.', labelNames: ['task'], registers: [registry] });
  const outcomes = new Counter({ name: `${prefix}tasks_total`, help: 'After-response tasks by how they ended: succeeded, failed, timed_out, interrupted, dropped, skipped, enqueued.', labelNames: ['task', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: `${prefix}task_duration_seconds`, help: 'Run time of after-response tasks that ran, by task and outcome.', labelNames: ['task', 'outcome'], buckets, registers: [registry] });
  const rejected = new Counter({ name: `${prefix}task_rejected_requests_total`, help: 'Requests answered 503 because the after-response task bound was reached.', registers: [registry] });

  function record(task: string, outcome: TaskOutcome, durationMs?: number): void {
    outcomes.inc({ task, outcome });
    if (durationMs !== undefined) duration.observe({ task, outcome }, durationMs / 1000);
  }

  function observe(runner: TaskEventSource): () => void {
    const unsubscribe = [
      runner.on('task:started', (e) => started.inc({ task: e.task.name })),
      runner.on('task:succeeded', (e) => record(e.task.name, 'succeeded', e.durationMs)),
      runner.on('task:failed', (e) => record(e.task.name, 'failed', e.durationMs)),
      runner.on('task:timed-out', (e) => record(e.task.name, 'timed_out', e.durationMs)),
      runner.on('task:interrupted', (e) => record(e.task.name, 'interrupted', e.durationMs)),
      runner.on('task:dropped', (e) => record(e.task.name, 'dropped')),
      runner.on('task:skipped', (e) => record(e.task.name, 'skipped')),
      runner.on('task:enqueued', (e) => record(e.task.name, 'enqueued')),
      runner.on('request:rejected', () => rejected.inc()),
    ];
    return () => {
      for (const off of unsubscribe) off();
    };
  }

  return { observe, record, started: (task) => started.inc({ task }) };
}
