import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import { defineTask } from '../jobs/define-task.js';
import type { TaskContext } from '../jobs/task-definition.js';
import { TaskRun, type RunOutcome } from './run-task.js';
import type { TaskEntry } from './task-entry.js';

function entryOf(handler: (payload: unknown, context: TaskContext) => Promise<void>): TaskEntry {
  const definition = defineTask('lazy-context', { handler });
  return { kind: 'definition', index: 0, name: definition.name, when: 'success', timeout: undefined, trace: undefined, definition, payload: undefined, durable: false, enqueue: undefined };
}

/** How the runner reads a run's end: await `settled`, then ask the run. */
async function outcomeOf(run: TaskRun): Promise<RunOutcome | undefined> {
  try {
    await run.settled;
    return run.succeeded();
  } catch (thrown) {
    return run.failed(thrown);
  }
}

describe('an after-response task’s context', () => {
  it('gives a signal read only after the timeout already aborted, with the timeout as its reason', async () => {
    let context: TaskContext | undefined;
    let release: () => void = () => {};
    const run = new TaskRun(
      entryOf(async (_payload, given) => {
        context = given;
        await new Promise<void>((resolve) => (release = resolve));
      }),
      20,
    );
    const outcome = await outcomeOf(run);
    expect(outcome?.status).toBe('timed-out');
    const signal = context!.signal;
    expect(signal.aborted).toBe(true);
    expect(isErrandError(signal.reason) && signal.reason.code).toBe('ERRAND_TASK_TIMEOUT');
    release();
  });

  it('aborts a signal read before the timeout when the timeout passes, and keeps one id per task', async () => {
    let seen: { signal: AbortSignal; ids: string[] } | undefined;
    const run = new TaskRun(
      entryOf(async (_payload, context) => {
        seen = { signal: context.signal, ids: [context.jobId, context.jobId] };
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
      }),
      20,
    );
    expect((await outcomeOf(run))?.status).toBe('timed-out');
    expect(seen!.signal.aborted).toBe(true);
    expect(seen!.ids[0]).toMatch(/^inline:[0-9a-f-]{36}$/);
    expect(seen!.ids[1]).toBe(seen!.ids[0]);
  });
});

describe('which tasks a response status runs', () => {
  it('treats 400 as the first failure and 399 as a success, for success, failure and always tasks', async () => {
    const { shouldRun } = await import('./task-entry.js');
    expect([399, 400, 599].map((status) => shouldRun('success', status))).toEqual([true, false, false]);
    expect([399, 400, 599].map((status) => shouldRun('failure', status))).toEqual([false, true, true]);
    expect([200, 400, 500].map((status) => shouldRun('always', status))).toEqual([true, true, true]);
  });
});
