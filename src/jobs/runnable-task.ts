import type { GroupClaim } from './backend.js';
import type { BackoffOption, TaskContext } from './task-definition.js';

/**
 * Any task made with `defineTask`, whatever its payload type, as a worker holds it. (A
 * `TaskDefinition<Payload>` is invariant in `Payload`, so a list of different tasks needs this
 * wider shape; the payload reaching the handler is the one its own `parse` returned.)
 */
export interface RunnableTask {
  readonly kind: 'errand:task';
  readonly name: string;
  readonly options: {
    readonly handler: (payload: never, context: TaskContext) => unknown;
    /** The Standard Schema `parse` checks against; the worker calls it directly when it answers synchronously. */
    readonly schema?: unknown;
    readonly retries?: number;
    readonly backoff?: BackoffOption;
    readonly timeout?: number;
    readonly concurrency?: number;
    readonly rateLimit?: { readonly limit: number; readonly intervalMs: number; readonly key?: (payload: never) => string };
    readonly group?: { readonly key: (payload: never) => string; readonly concurrency?: number };
  };
  parse(payload: unknown): Promise<unknown>;
}

/** Tasks handed to a worker: a list (every item must be a task), or a record such as a module's exports (non-tasks are ignored). */
export type TaskList = readonly unknown[] | Readonly<Record<string, unknown>>;

function isRunnable(value: unknown): value is RunnableTask {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'errand:task';
}

/** Indexes tasks by name; two different tasks with one name are a configuration error. */
export function indexTasks(tasks: TaskList): Map<string, RunnableTask> {
  const list: unknown[] = Array.isArray(tasks) ? tasks : Object.values(tasks);
  const byName = new Map<string, RunnableTask>();
  for (const task of list) {
    if (!isRunnable(task)) {
      if (Array.isArray(tasks)) throw new TypeError(`createWorker: tasks[${list.indexOf(task)}] is not a task made with defineTask`);
      continue;
    }
    const existing = byName.get(task.name);
    if (existing !== undefined && existing !== task) throw new TypeError(`two different tasks are named "${task.name}"; task names must be unique`);
    byName.set(task.name, task);
  }
  if (byName.size === 0) throw new TypeError('createWorker: no tasks given; pass the tasks made with defineTask');
  return byName;
}


/** The claim settings of the grouped tasks among `tasks` (see `ClaimOptions.groups`), or undefined when none is grouped. */
export function groupClaims(tasks: ReadonlyMap<string, RunnableTask>): Record<string, GroupClaim> | undefined {
  let groups: Record<string, GroupClaim> | undefined;
  for (const [name, task] of tasks) {
    const group = task.options.group;
    if (group === undefined) continue;
    groups ??= {};
    groups[name] = group.concurrency === undefined || group.concurrency === Infinity ? {} : { concurrency: group.concurrency };
  }
  return groups;
}
