import type { TaskContext } from '../jobs/task-definition.js';

// The task whose synchronous part is running now. A plain variable instead of AsyncLocalStorage:
// on Node 20, entering an AsyncLocalStorage once turns on promise hooks for the whole process, and
// every promise of every request then pays for them (~4 µs per request measured on a Hono route).
let current: TaskContextSource | undefined;

/** What the runner makes current: anything that can produce the task's context on demand. */
export interface TaskContextSource {
  readonly context: TaskContext;
}

/**
 * The context of the after-response task running now (its `signal` aborts at the task's timeout
 * and at the shutdown deadline), or `undefined` outside a task. Plain function tasks use this
 * because `add(fn, ...args)` calls `fn(...args)` exactly, with nothing appended; tasks made with
 * `defineTask` get the same context as their handler's second argument.
 *
 * Call it in the task's synchronous part, before its first `await`, and keep what you need in a
 * variable: after an `await` other code runs in between, so it answers `undefined` there (errand
 * does not pay for async context tracking on every request to carry it across awaits).
 *
 * @example
 * async function warmCache(url: string) {
 *   const signal = currentTask()?.signal; // before the first await
 *   await fetch(url, { signal });
 * }
 * c.var.background.add({ timeout: 5_000 }, warmCache, url);
 */
export function currentTask(): TaskContext | undefined {
  return current?.context;
}

/** Makes `source` the current task; returns the one to restore with {@link leaveTask} (used by the runner). */
export function enterTask(source: TaskContextSource): TaskContextSource | undefined {
  const previous = current;
  current = source;
  return previous;
}

/** Restores the current task {@link enterTask} replaced. */
export function leaveTask(previous: TaskContextSource | undefined): void {
  current = previous;
}
