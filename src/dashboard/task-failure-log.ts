import type { ProblemDetails } from '../errors/problem-details.js';

/** One after-response task that did not finish well, as the dashboard shows it. */
export interface TaskFailure {
  /** Epoch milliseconds. */
  at: number;
  /** Task name (a defined task's name, or the function's name). */
  task: string;
  /** Why it ended. */
  outcome: 'failed' | 'timed-out' | 'interrupted' | 'dropped';
  /** The request that scheduled the task, to find it in the logs. */
  requestId?: string;
  /** How long it ran, when it ran. */
  durationMs?: number;
  /** The error as a problem object. */
  error: ProblemDetails;
}

/** Anything that can list recent task failures, newest first: a log, or a function. */
export type TaskFailureSource = { list(): readonly TaskFailure[] } | (() => readonly TaskFailure[] | Promise<readonly TaskFailure[]>);

/** A bounded in-memory log of task failures, fed by the tasks runner's failure events. */
export interface TaskFailureLog {
  /** Records a failure; the oldest one is forgotten once the log is full. */
  record(failure: TaskFailure): void;
  /** Recorded failures, newest first. */
  list(): TaskFailure[];
  /** How many failures were recorded in total, including forgotten ones. */
  readonly total: number;
  clear(): void;
}

/** Options of {@link createTaskFailureLog}. */
export interface TaskFailureLogOptions {
  /** Failures kept. @default 100 */
  capacity?: number;
}

/**
 * Creates a ring buffer of recent after-response task failures for the dashboard. Memory stays
 * bounded however many tasks fail.
 *
 * @example
 * const failures = createTaskFailureLog({ capacity: 200 })
 * recordTaskFailures(taskRunner, failures) // or record({ … }) from any source
 * app.route('/dashboard', createDashboard({ backend, taskFailures: failures }))
 */
export function createTaskFailureLog(options: TaskFailureLogOptions = {}): TaskFailureLog {
  const capacity = options.capacity ?? 100;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  const slots: TaskFailure[] = [];
  let next = 0;
  let total = 0;
  return {
    record(failure) {
      slots[next] = failure;
      next = (next + 1) % capacity;
      total += 1;
    },
    list() {
      const ordered = slots.length < capacity ? slots.slice() : [...slots.slice(next), ...slots.slice(0, next)];
      return ordered.reverse();
    },
    get total() {
      return total;
    },
    clear() {
      slots.length = 0;
      next = 0;
    },
  };
}

/** Reads a {@link TaskFailureSource}, whichever shape it has. */
export async function readTaskFailures(source: TaskFailureSource): Promise<readonly TaskFailure[]> {
  return typeof source === 'function' ? await source() : source.list();
}
