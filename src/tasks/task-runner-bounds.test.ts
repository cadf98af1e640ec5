import { describe, expect, it, vi } from 'vitest';
import type { Enqueuer, TaskContext, TaskDefinition } from '../jobs/task-definition.js';
import { createTaskRunner, type TaskErrorInfo, type TaskLogger, type TaskRunnerOptions } from './index.js';

// What docs/tasks.md promises about bounds, timeouts and shutdown, asserted through the public
// runner API (createTaskRunner, createBatch, add, start, drain, stats, admit).

interface LogLine {
  level: string;
  object: Record<string, unknown>;
  message: string;
}

function definition<P>(name: string, handler: (payload: P, context: TaskContext) => unknown): TaskDefinition<P> {
  return { kind: 'errand:task', name, options: { handler }, parse: (payload) => Promise.resolve(payload as P) };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function setup(options: TaskRunnerOptions = {}) {
  const logs: LogLine[] = [];
  const reported: { error: Error; info: TaskErrorInfo }[] = [];
  const at = (level: string) => (object: object, message: string) => void logs.push({ level, object: object as Record<string, unknown>, message });
  const logger: TaskLogger = { error: at('error'), warn: at('warn'), info: at('info') };
  const runner = createTaskRunner({ logger, onError: (error, info) => void reported.push({ error, info }), ...options });
  return { runner, logs, reported };
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('task runner bounds and shutdown', () => {
  it('counts a timed-out task that is still running against the in-flight bound until it settles', async () => {
    const { runner } = setup({ maxPending: 1, taskTimeoutMs: 20 });
    const stuck = deferred();
    const batch = runner.createBatch({ requestId: 'r1' });
    batch.add(async function ignoresItsSignal() {
      await stuck.promise;
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(runner.stats()).toMatchObject({ timedOut: 1, abandoned: 1, pending: 0 });
    expect(() => runner.admit('r2')).toThrow(expect.objectContaining({ code: 'ERRAND_OVERLOADED', status: 503 }));
    stuck.resolve();
    for (let turn = 0; turn < 5 && runner.stats().abandoned > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(runner.stats().abandoned).toBe(0);
    expect(() => runner.admit('r3')).not.toThrow();
  });

  it('bounds at 10,000 pending tasks, sends Retry-After: 1 and drains for 10 s unless told otherwise, and times no task out', () => {
    const runner = createTaskRunner({ logger: { error() {}, warn() {}, info() {} } });
    expect({ maxPending: runner.maxPending, retryAfterSeconds: runner.retryAfterSeconds, drainTimeoutMs: runner.drainTimeoutMs, taskTimeoutMs: runner.taskTimeoutMs }).toEqual({
      maxPending: 10_000,
      retryAfterSeconds: 1,
      drainTimeoutMs: 10_000,
      taskTimeoutMs: undefined,
    });
  });

  it('says in the 503 at the bound how many tasks are in flight and what the bound is', () => {
    const { runner } = setup({ maxPending: 1 });
    runner.createBatch().add(() => undefined);
    let refusal: unknown;
    try {
      runner.admit('r1');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ name: 'UnavailableError', code: 'ERRAND_OVERLOADED', retryAfterSeconds: 1, message: '1 after-response tasks are in flight (maxPending 1); retry later' });
  });

  it('reports a task that times out and then settles once, and counts it once', async () => {
    const { runner, reported } = setup({ taskTimeoutMs: 20 });
    const late = deferred();
    const batch = runner.createBatch({ requestId: 'r1' });
    batch.add(async function failsLate() {
      await late.promise;
      throw new Error('failed after its timeout');
    });
    batch.add(async function succeedsLate() {
      await late.promise;
    });
    runner.start(batch, 200);
    await runner.onIdle();
    late.resolve();
    for (let turn = 0; turn < 5 && runner.stats().abandoned > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(reported.map(({ info }) => `${info.task} ${String(info.timedOut)}`)).toEqual(['failsLate true', 'succeedsLate true']);
    expect(runner.stats()).toMatchObject({ timedOut: 2, failed: 0, succeeded: 0, abandoned: 0, pending: 0, running: 0 });
  });

  it('leaves no timer behind for a task that finished before its timeout', async () => {
    const { runner } = setup({ taskTimeoutMs: 600_000 });
    const before = timers();
    const batch = runner.createBatch();
    batch.add(() => undefined);
    batch.add(async () => {
      await Promise.resolve();
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(runner.stats()).toMatchObject({ succeeded: 2, timedOut: 0 });
    expect(timers()).toBe(before);
  });

  it('counts the tasks that failed or timed out during the drain as finished, and leaves no timer behind', async () => {
    const { runner } = setup({ taskTimeoutMs: 20 });
    const stuck = deferred();
    // Counted before the tasks start: their timeout timers have fired or been cleared by the end.
    const before = timers();
    const batch = runner.createBatch();
    batch.add(() => Promise.reject(new Error('smtp down')));
    batch.add(function ignoresItsSignal() {
      return stuck.promise;
    });
    runner.start(batch, 200);
    // A deadline far away: the drain ends when the tasks do, and its own timer must go with it.
    const report = await runner.drain({ timeoutMs: 600_000 });
    expect(report).toMatchObject({ finished: 2, interrupted: [], dropped: [] });
    // At most as many: a timer of another test may end meanwhile (seen under Stryker's runner).
    expect(timers()).toBeLessThanOrEqual(before);
    stuck.resolve();
  });

  it('counts a task interrupted at the deadline once, even when it returns later', async () => {
    const { runner, reported, logs } = setup();
    const never = deferred();
    const batch = runner.createBatch();
    batch.add(function stuck() {
      return never.promise;
    });
    runner.start(batch, 200);
    for (let turn = 0; turn < 50 && runner.stats().running === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    await runner.drain({ timeoutMs: 10 });
    never.resolve();
    for (let turn = 0; turn < 5 && runner.stats().abandoned > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.stats()).toMatchObject({ interrupted: 1, succeeded: 0, failed: 0, abandoned: 0, pending: 0, running: 0 });
    expect(reported).toEqual([]);
    expect(logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('at drain, enqueues only the always tasks of a response that never finished, and drops the rest', async () => {
    const enqueued: string[] = [];
    const queue: Enqueuer = { enqueue: (task) => Promise.resolve(`job-${enqueued.push(task.name)}`) };
    const { runner, logs } = setup({ queue });
    const unfinished = runner.createBatch({ requestId: 'cut-off' });
    unfinished.add(definition('onSuccess', () => undefined), {});
    unfinished.add(definition('regardless', () => undefined), {}, { when: 'always' });
    unfinished.add(definition('onFailure', () => undefined), {}, { when: 'failure' });
    const report = await runner.drain({ timeoutMs: 1_000 });
    expect(enqueued).toEqual(['regardless']);
    expect(report.enqueued).toEqual([{ task: 'regardless', requestId: 'cut-off', jobId: 'job-1' }]);
    expect(report.dropped).toEqual([
      { task: 'onSuccess', requestId: 'cut-off' },
      { task: 'onFailure', requestId: 'cut-off' },
    ]);
    expect(logs.filter((line) => line.object.code === 'ERRAND_TASK_DROPPED').map((line) => line.object.task)).toEqual(['onSuccess', 'onFailure']);
  });

  it('at drain, reports a defined task whose enqueue fails as dropped, not enqueued', async () => {
    const queue: Enqueuer = { enqueue: () => Promise.reject(new Error('queue unreachable')) };
    const { runner } = setup({ queue });
    const unfinished = runner.createBatch({ requestId: 'r9' });
    unfinished.add(definition('mustNotVanish', () => undefined), {}, { when: 'always' });
    const report = await runner.drain({ timeoutMs: 1_000 });
    expect(report.enqueued).toEqual([]);
    expect(report.dropped).toEqual([{ task: 'mustNotVanish', requestId: 'r9' }]);
    expect(runner.stats()).toMatchObject({ enqueued: 0 });
  });
  it('logs a log sink that throws on a task failure as a fault of the runner, and still settles', async () => {
    const logs: LogLine[] = [];
    const sinkError = new Error('log sink is full');
    let refused = false;
    const logger: TaskLogger = {
      error: (object, message) => {
        if (!refused) {
          refused = true;
          throw sinkError;
        }
        logs.push({ level: 'error', object: object as Record<string, unknown>, message });
      },
      warn: () => undefined,
      info: () => undefined,
    };
    const runner = createTaskRunner({ logger });
    const batch = runner.createBatch({ requestId: 'r-sink' });
    batch.add(function fails() {
      throw new Error('task failed');
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(logs).toEqual([{ level: 'error', object: { err: sinkError, requestId: 'r-sink' }, message: 'the task runner failed unexpectedly' }]);
    expect(runner.stats()).toMatchObject({ failed: 1, pending: 0, running: 0 });
  });
  it('never rejects unhandled when the log sink throws while the runner reports its own fault', async () => {
    await expectNoUnhandledRejection(async () => {
      const gone = (): never => {
        throw new Error('log sink is gone');
      };
      const runner = createTaskRunner({
        logger: { error: gone, warn: gone, info: gone },
        onError: () => {
          throw new Error('the reporter is broken too');
        },
    });
    runner.on('task:failed', () => {
      throw new Error('a listener that throws');
    });
    const batch = runner.createBatch({ requestId: 'r-sink-gone' });
    batch.add(function fails() {
      throw new Error('task failed');
    });
    runner.start(batch, 200);
    await vi.waitFor(() => expect(runner.stats()).toMatchObject({ failed: 1, pending: 0, running: 0 }), { timeout: 10_000 });
    // The drain resolves with its report, and a task added after it is dropped, whatever the sink does.
    await expect(runner.drain({ timeoutMs: 1_000 })).resolves.toMatchObject({ dropped: [] });
    const late = runner.createBatch({ requestId: 'r-late' });
    late.add(function tooLate() {});
    runner.start(late, 200);
    await vi.waitFor(() => expect(runner.stats()).toMatchObject({ dropped: 1, pending: 0 }), { timeout: 10_000 });
    });
  });

  it('never rejects when the queue refuses a task at the deadline and the log sink throws on its failure', async () => {
    await expectNoUnhandledRejection(async () => {
      const gone = (): never => {
        throw new Error('log sink is gone');
      };
      const queue: Enqueuer = { enqueue: () => Promise.reject(new Error('queue unreachable')) };
      const runner = createTaskRunner({ logger: { error: gone, warn: gone, info: gone }, queue });
      const unfinished = runner.createBatch({ requestId: 'r-never-finished' });
      unfinished.add(definition('atDeadline', () => undefined), {}, { when: 'always' });
      await expect(runner.drain({ timeoutMs: 1 })).resolves.toMatchObject({ dropped: [{ task: 'atDeadline', requestId: 'r-never-finished' }] });
      const late = runner.createBatch({ requestId: 'r-late' });
      late.add(definition('afterDeadline', () => undefined), {});
      runner.start(late, 200);
      await vi.waitFor(() => expect(runner.stats()).toMatchObject({ failed: 2, pending: 0 }), { timeout: 10_000 });
    });
  });

  it('after the deadline, still moves a defined task of a request started later to the queue', async () => {
    await expectNoUnhandledRejection(async () => {
      const enqueued: string[] = [];
      const queue: Enqueuer = { enqueue: (task) => Promise.resolve(`job-${enqueued.push(task.name)}`) };
      const { runner } = setup({ queue });
      await runner.drain({ timeoutMs: 1 });
      const late = runner.createBatch({ requestId: 'r-late' });
      late.add(definition('afterDeadline', () => undefined), {});
      runner.start(late, 200);
      await runner.onIdle();
      expect(enqueued).toEqual(['afterDeadline']);
      expect(runner.stats()).toMatchObject({ enqueued: 1, pending: 0 });
    });
  });

  it("runs the rest of a batch's tasks, in order, after a fault of the runner", async () => {
    let refused = false;
    const logger: TaskLogger = {
      error: () => {
        if (refused) return;
        refused = true;
        throw new Error('log sink is full');
      },
      warn: () => undefined,
      info: () => undefined,
    };
    const runner = createTaskRunner({ logger });
    const ran: string[] = [];
    const batch = runner.createBatch({ requestId: 'r-after-fault' });
    batch.add(function fails() {
      throw new Error('task failed');
    });
    batch.add(function second() {
      ran.push('second');
    });
    batch.add(async function third() {
      await Promise.resolve();
      ran.push('third');
    });
    runner.start(batch, 200);
    await vi.waitFor(() => expect(ran).toEqual(['second', 'third']), { timeout: 10_000 });
    await runner.onIdle();
    expect(runner.stats()).toMatchObject({ failed: 1, succeeded: 2, pending: 0, running: 0 });
  });
});

/** Runs `body`, then fails if a promise rejected unhandled during it or in the next turns. */
async function expectNoUnhandledRejection(body: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', record);
  try {
    await body();
    // An unhandled rejection is reported after the microtasks of the turn it happened in.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', record);
  }
}

describe('task runner faults', () => {
  it('counts a task that returns a thenable whose then cannot be read as failed, frees its slot, and runs the next task', async () => {
    for (const taskTimeoutMs of [undefined, 60_000]) {
      const { runner, reported } = setup({ maxPending: 1, taskTimeoutMs });
      const ran: string[] = [];
      const batch = runner.createBatch({ requestId: 'r-hostile' });
      batch.add(function hostile() {
        return {
          get then(): never {
            throw new Error('then cannot be read');
          },
        };
      });
      batch.add(() => void ran.push('next'));
      runner.start(batch, 200);
      await runner.onIdle();
      expect(ran).toEqual(['next']);
      expect(runner.stats()).toMatchObject({ started: 2, succeeded: 1, failed: 1, running: 0, pending: 0 });
      expect(reported.map(({ error, info }) => `${info.task} ${error.message}`)).toEqual(['hostile then cannot be read']);
      // Its slot is free again: the bound of one admits the next request.
      expect(() => runner.admit('r-after')).not.toThrow();
    }
  });
});
