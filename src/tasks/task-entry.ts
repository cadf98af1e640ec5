import type { EnqueueOptions, TaskDefinition } from '../jobs/task-definition.js';
import type { TaskInfo } from './task-events.js';

/**
 * When a task runs, judged against the final status of the response (including an error response
 * made from a thrown error).
 * - `'success'`: status below 400 (the default, as in FastAPI)
 * - `'always'`: whatever the status
 * - `'failure'`: status 400 or above (record a failure, alert, compensate)
 */
export type TaskWhen = 'success' | 'always' | 'failure';

/** Options of `background.add(options, fn, ...args)`. */
export interface AddOptions {
  /** Name used in logs, events, reports and test records. @default fn.name, or `'anonymous'` */
  name?: string;
  /** @default 'success' */
  when?: TaskWhen;
  /**
   * Milliseconds before the task's AbortSignal aborts and the task is reported as timed out; the
   * runner then moves on to the next task even if this one ignores the signal.
   * @default the runner's `taskTimeoutMs` (none unless set)
   */
  timeout?: number;
}

/** Options of `background.add(task, payload, options)` for a task made with `defineTask`. */
export interface DefinedAddOptions extends Omit<AddOptions, 'name'> {
  /**
   * `true`: enqueue the task on the durable queue right after the response instead of running it
   * in this process (needs a `queue` on the runner). Retries, backoff and leases then apply.
   * @default false
   */
  durable?: boolean;
  /** Passed to `queue.enqueue` when `durable` is true (delay, runAt, priority, key). */
  enqueue?: EnqueueOptions;
}

/** One task as recorded by a request's {@link BackgroundTasks}: what to run and how. */
export type TaskEntry = FunctionTaskEntry | DefinedTaskEntry;

interface BaseEntry {
  /** Sequence number within the request, from 0, in the order added. */
  index: number;
  name: string;
  when: TaskWhen;
  timeout: number | undefined;
  /** The OpenTelemetry context where the task was added (the request's); `undefined` when not tracing. */
  trace: object | undefined;
}

/** A plain function added with `add(fn, ...args)`. */
export interface FunctionTaskEntry extends BaseEntry {
  kind: 'function';
  fn: (...args: never[]) => unknown;
  args: readonly unknown[];
}

/** A task made with `defineTask`, run here or enqueued on the durable queue. */
export interface DefinedTaskEntry extends BaseEntry {
  kind: 'definition';
  definition: TaskDefinition;
  payload: unknown;
  durable: boolean;
  enqueue: EnqueueOptions | undefined;
}

/** Whether a task should run for a response with this status. */
export function shouldRun(when: TaskWhen, status: number): boolean {
  if (when === 'always') return true;
  const failed = status >= 400;
  return when === 'failure' ? failed : !failed;
}

/** The arguments or payload of an entry, as shown in events and test records. */
export function entryArgs(entry: TaskEntry): readonly unknown[] {
  return entry.kind === 'function' ? entry.args : [entry.payload];
}

/** What the runner's events say about an entry of the request `requestId`. */
export function taskInfo(entry: TaskEntry, requestId: string | undefined): TaskInfo {
  return {
    name: entry.name,
    kind: entry.kind,
    args: entryArgs(entry),
    requestId,
    index: entry.index,
    durable: entry.kind === 'definition' && entry.durable,
  };
}
