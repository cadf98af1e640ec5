import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import type { Enqueuer, TaskContext, TaskDefinition } from '../jobs/task-definition.js';
import { createTaskRunner, type SentResponse, type TaskErrorInfo, type TaskLogger, type TaskRunnerOptions } from './task-runner.js';

// What docs/tasks.md promises about adding, starting, failing and draining, asserted through the
// public runner API: what a user of `background.add`, `runner.stats()`, `drain()` and the events
// can see.

interface LogLine {
  level: string;
  object: Record<string, unknown>;
  message: string;
}

function definition<P>(name: string, handler: (payload: P, context: TaskContext) => unknown, timeout?: number): TaskDefinition<P> {
  return { kind: 'errand:task', name, options: { handler, ...(timeout === undefined ? {} : { timeout }) }, parse: (payload) => Promise.resolve(payload as P) };
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

/** The part of a Node ServerResponse the runner watches (an EventEmitter, as the real one is). */
class Sent extends EventEmitter implements SentResponse {
  statusCode = 200;
  writableFinished = false;
  destroyed = false;
  close(status: number, finished: boolean): void {
    this.statusCode = status;
    this.writableFinished = finished;
    this.destroyed = true;
    this.emit('close');
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('adding tasks', () => {
  it('refuses arguments that are not a task, and keeps nothing of them', () => {
    const { runner } = setup();
    const batch = runner.createBatch();
    const add = batch.add.bind(batch) as (...args: unknown[]) => void;
    for (const args of [[42], ['label', () => undefined], [null, () => undefined], [{ when: 'always' }, 'not a function'], [{ when: 'always' }]]) {
      expect(() => add(...args)).toThrow(new TypeError('background.add expects (fn, ...args), (options, fn, ...args) or (task, payload, options)'));
    }
    expect(batch.entries).toEqual([]);
    expect(runner.stats().added).toBe(0);
  });

  it("names a task after its function, its name option, or 'anonymous', and says what kind it is", async () => {
    const { runner } = setup();
    const seen: string[] = [];
    runner.on('task:started', ({ task }) => seen.push(`${task.index} ${task.name} ${task.kind} ${String(task.durable)}`));
    const batch = runner.createBatch({ requestId: 'r1' });
    batch.add(function named() {});
    batch.add(() => undefined);
    batch.add({ name: 'chosen' }, function ignoredName() {});
    batch.add({ when: 'always' }, () => undefined);
    batch.add(definition('defined', () => undefined), {});
    // A task added without `when` runs on success, as the entries say.
    expect(batch.entries.map((entry) => entry.when)).toEqual(['success', 'success', 'success', 'always', 'success']);
    runner.start(batch, 200);
    await runner.onIdle();
    expect(seen).toEqual(['0 named function false', '1 anonymous function false', '2 chosen function false', '3 anonymous function false', '4 defined definition false']);
  });

  it("judges a defined task's when like a plain one's, and runs it here unless durable", async () => {
    const { runner } = setup();
    const ran: string[] = [];
    const batch = runner.createBatch();
    batch.add(definition('onSuccess', () => void ran.push('onSuccess')), {});
    batch.add(definition('onFailure', () => void ran.push('onFailure')), {}, { when: 'failure' });
    batch.add(definition('always', () => void ran.push('always')), {}, { when: 'always' });
    runner.start(batch, 503);
    await runner.onIdle();
    expect(ran).toEqual(['onFailure', 'always']);
    expect(runner.stats()).toMatchObject({ skipped: 1, succeeded: 2 });
  });

  it("gives a defined task the definition's own timeout when the add sets none", async () => {
    const { runner, reported } = setup({ taskTimeoutMs: 600_000 });
    const stuck = deferred();
    const batch = runner.createBatch();
    batch.add(definition('slow', () => stuck.promise, 20), {});
    runner.start(batch, 200);
    await runner.onIdle();
    expect(reported.map(({ info }) => [info.task, info.timedOut])).toEqual([['slow', true]]);
    expect(isErrandError(reported[0]?.error, 'ERRAND_TASK_TIMEOUT')).toBe(true);
    stuck.resolve();
    await until(() => runner.stats().abandoned === 0);
  });
});

describe('starting a request’s tasks', () => {
  it('starts them when the response closes, with its final status, and only once', async () => {
    const { runner } = setup();
    const ran: string[] = [];
    const response = new Sent();
    const batch = runner.createBatch({ response });
    batch.add(() => void ran.push('success'));
    batch.add({ when: 'failure' }, () => void ran.push('failure'));
    expect(response.listenerCount('close')).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([]);
    response.close(500, true);
    // A start before the tasks ran does not change the status they are judged against.
    runner.start(batch, 200);
    await runner.onIdle();
    expect(ran).toEqual(['failure']);
    // A later start does not judge them again.
    runner.start(batch, 200);
    await runner.onIdle();
    expect(ran).toEqual(['failure']);
  });

  it('runs the tasks of a client that went away before the response finished', async () => {
    const { runner } = setup();
    const ran: string[] = [];
    const response = new Sent();
    const batch = runner.createBatch({ response });
    batch.add(() => void ran.push('still runs'));
    response.close(200, false);
    await runner.onIdle();
    expect(ran).toEqual(['still runs']);
  });

  it('starts at once when the response had already finished or closed when the first task was added', async () => {
    const { runner } = setup();
    const ran: string[] = [];
    for (const [finished, destroyed] of [
      [true, false],
      [false, true],
    ] as const) {
      const response = Object.assign(new Sent(), { statusCode: 201, writableFinished: finished, destroyed });
      runner.createBatch({ response }).add(() => void ran.push(`${String(finished)} ${String(destroyed)}`));
      await runner.onIdle();
      expect(response.listenerCount('close')).toBe(0);
    }
    expect(ran).toEqual(['true false', 'false true']);
  });

  it('refuses loudly a start for a task list another runner made (its tasks would never start there)', async () => {
    const { runner } = setup();
    const { runner: other } = setup();
    const ran: string[] = [];
    const batch = other.createBatch();
    batch.add(() => void ran.push('ran'));
    expect(() => runner.start(batch, 200)).toThrow(
      new TypeError('runner.start() was given a task list another runner made; start it with the runner that made it (errand(app).runner, or the runner given to background())'),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([]);
    expect(runner.stats().started).toBe(0);
    other.start(batch, 200);
    await other.onIdle();
    expect(ran).toEqual(['ran']);
  });

  it('resolves onIdle at once when nothing is pending, and only after the last task otherwise', async () => {
    const { runner } = setup();
    await runner.onIdle();
    const gate = deferred();
    const batch = runner.createBatch();
    batch.add(() => gate.promise);
    let idle = false;
    const waiting = runner.onIdle().then(() => (idle = true));
    runner.start(batch, 200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(idle).toBe(false);
    expect(runner.stats()).toMatchObject({ pending: 1, running: 1 });
    gate.resolve();
    await waiting;
    expect(runner.stats()).toMatchObject({ pending: 0, running: 0, succeeded: 1 });
  });
});

describe('failures', () => {
  it('logs each failure once with its code, task, request id and whether it timed out', async () => {
    const { runner, logs } = setup({ taskTimeoutMs: 20 });
    const stuck = deferred();
    const batch = runner.createBatch({ requestId: 'req-7' });
    batch.add(function breaks() {
      throw new Error('smtp down');
    });
    batch.add(function hangs() {
      return stuck.promise;
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(logs.filter((line) => line.level === 'error').map(({ object, message }) => [message, object.code, object.task, object.requestId, object.timedOut, (object.err as Error).message])).toEqual([
      ['after-response task failed', 'ERRAND_TASK_FAILED', 'breaks', 'req-7', false, 'smtp down'],
      ['after-response task timed out', 'ERRAND_TASK_TIMEOUT', 'hangs', 'req-7', true, 'after-response task "hangs" ran past its 20 ms timeout; its signal was aborted'],
    ]);
    stuck.resolve();
    await until(() => runner.stats().abandoned === 0);
  });

  it("sends a request's failures to its own reporter instead of the runner's", async () => {
    const { runner, reported } = setup();
    const own: string[] = [];
    const batch = runner.createBatch({ requestId: 'r1', report: (error, info) => void own.push(`${info.task}: ${error.message}`) });
    batch.add(function fails() {
      throw new Error('no');
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(own).toEqual(['fails: no']);
    expect(reported).toEqual([]);
    expect(runner.reportsErrors).toBe(true);
    expect(createTaskRunner({ logger: { error() {}, warn() {}, info() {} } }).reportsErrors).toBe(false);
  });

  it('logs a failure once and nothing more when there is no reporter', async () => {
    const logs: LogLine[] = [];
    const at = (level: string) => (object: object, message: string) => void logs.push({ level, object: object as Record<string, unknown>, message });
    const runner = createTaskRunner({ logger: { error: at('error'), warn: at('warn'), info: at('info') } });
    const batch = runner.createBatch({ requestId: 'r3' });
    batch.add(function fails() {
      throw new Error('no');
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(logs.map(({ level, object, message }) => [level, message, object.task])).toEqual([['error', 'after-response task failed', 'fails']]);
  });

  it('counts a durable task the queue refused as failed, reports it, and runs the next task', async () => {
    const queue: Enqueuer = { enqueue: () => Promise.reject(new Error('queue unreachable')) };
    const { runner, reported } = setup({ queue });
    const failed: number[] = [];
    runner.on('task:failed', ({ task, durationMs }) => failed.push(task.index, durationMs));
    const ran: string[] = [];
    const batch = runner.createBatch({ requestId: 'r2' });
    batch.add(definition('welcome', () => undefined), {}, { durable: true });
    batch.add(() => void ran.push('next'));
    runner.start(batch, 200);
    await runner.onIdle();
    expect(reported.map(({ error, info }) => [error.message, info.task, info.requestId, info.timedOut])).toEqual([['queue unreachable', 'welcome', 'r2', false]]);
    expect(failed).toEqual([0, 0]);
    expect(ran).toEqual(['next']);
    expect(runner.stats()).toMatchObject({ failed: 1, enqueued: 0, succeeded: 1, pending: 0 });
  });

  it("tells each event the task's name, kind, arguments, request id, position and whether it is durable", async () => {
    const queue: Enqueuer = { enqueue: () => Promise.resolve('job-1') };
    const { runner } = setup({ queue, taskTimeoutMs: 30 });
    const stuck = deferred();
    const seen: unknown[] = [];
    runner.on('task:succeeded', ({ task }) => seen.push(['succeeded', task]));
    runner.on('task:timed-out', ({ task, error }) => seen.push(['timed-out', task, isErrandError(error, 'ERRAND_TASK_TIMEOUT')]));
    runner.on('task:enqueued', ({ task, jobId }) => seen.push(['enqueued', task, jobId]));
    const batch = runner.createBatch({ requestId: 'r7' });
    batch.add(function add(a: number, b: number) {
      return a + b;
    }, 1, 2);
    batch.add(definition('welcome', () => undefined), { to: 'a@b.c' });
    batch.add(definition('mail', () => undefined), { to: 'd@e.f' }, { durable: true });
    batch.add(function hangs() {
      return stuck.promise;
    });
    runner.start(batch, 200);
    await runner.onIdle();
    expect(seen).toEqual([
      ['succeeded', { name: 'add', kind: 'function', args: [1, 2], requestId: 'r7', index: 0, durable: false }],
      ['succeeded', { name: 'welcome', kind: 'definition', args: [{ to: 'a@b.c' }], requestId: 'r7', index: 1, durable: false }],
      ['enqueued', { name: 'mail', kind: 'definition', args: [{ to: 'd@e.f' }], requestId: 'r7', index: 2, durable: true }, 'job-1'],
      ['timed-out', { name: 'hangs', kind: 'function', args: [], requestId: 'r7', index: 3, durable: false }, true],
    ]);
    stuck.resolve();
    await until(() => runner.stats().abandoned === 0);
  });

  it('sums the run time of tasks that succeeded, failed or timed out', async () => {
    const { runner } = setup({ taskTimeoutMs: 30 });
    const stuck = deferred();
    const batch = runner.createBatch();
    batch.add(() => new Promise((resolve) => setTimeout(resolve, 10)));
    batch.add(() => Promise.reject(new Error('x')));
    batch.add(() => stuck.promise);
    const before = performance.now();
    runner.start(batch, 200);
    await runner.onIdle();
    // At least the 10 ms sleep and the 30 ms timeout: each duration is added, none subtracted; and
    // no more than the time the tasks took.
    expect(runner.stats().durationMsTotal).toBeGreaterThanOrEqual(39);
    expect(runner.stats().durationMsTotal).toBeLessThanOrEqual(performance.now() - before);
    stuck.resolve();
    await until(() => runner.stats().abandoned === 0);
  });
});

describe('drain', () => {
  it("refuses new requests from the moment it begins and waits the runner's drainTimeoutMs by default", async () => {
    const { runner, logs } = setup({ drainTimeoutMs: 30 });
    const never = deferred();
    const batch = runner.createBatch({ requestId: 'r1' });
    batch.add(function stuck() {
      return never.promise;
    });
    runner.start(batch, 200);
    await until(() => runner.stats().running === 1);
    expect(runner.closing).toBe(false);
    const before = performance.now();
    const draining = runner.drain();
    expect(runner.closing).toBe(true);
    const report = await draining;
    // A duration: at least the deadline, and no more than the time the drain took.
    expect(report.durationMs).toBeLessThanOrEqual(performance.now() - before);
    expect(report.interrupted).toEqual([{ task: 'stuck', requestId: 'r1' }]);
    expect(report.durationMs).toBeGreaterThanOrEqual(29);
    const warning = logs.find((line) => line.message === 'after-response tasks did not all finish within 30 ms');
    expect(warning).toMatchObject({ level: 'warn', object: { finished: 0, interrupted: 1, enqueued: 0, dropped: 0, report } });
    expect(logs.find((line) => line.object.code === 'ERRAND_TASK_DROPPED' && line.object.task === 'stuck')).toMatchObject({
      level: 'warn',
      object: { requestId: 'r1' },
      message: 'after-response task "stuck" was still running at the shutdown deadline; its signal was aborted',
    });
    expect(runner.stats()).toMatchObject({ interrupted: 1, abandoned: 1, running: 0, pending: 0 });
    // The interrupted task's time is unknown: not added to the total.
    expect(runner.stats().durationMsTotal).toBe(0);
    never.resolve();
    await until(() => runner.stats().abandoned === 0);
  });

  it('logs a drain that finished everything at info, with what it finished', async () => {
    const { runner, logs } = setup();
    const batch = runner.createBatch();
    batch.add(() => new Promise((resolve) => setTimeout(resolve, 5)));
    batch.add({ when: 'failure' }, () => undefined);
    runner.start(batch, 200);
    const report = await runner.drain({ timeoutMs: 30_000 });
    expect(report).toMatchObject({ finished: 2, interrupted: [], enqueued: [], dropped: [] });
    expect(logs).toEqual([{ level: 'info', object: { finished: 2, interrupted: 0, enqueued: 0, dropped: 0 }, message: 'after-response tasks drained' }]);
    // With nothing pending at all, too.
    const idle = setup();
    await idle.runner.drain({ timeoutMs: 30_000 });
    expect(idle.logs).toEqual([{ level: 'info', object: { finished: 0, interrupted: 0, enqueued: 0, dropped: 0 }, message: 'after-response tasks drained' }]);
  });

  it('at the deadline, skips the tasks whose when rules them out and drops the rest with an event', async () => {
    const { runner, logs } = setup();
    const never = deferred();
    const events: string[] = [];
    runner.on('task:dropped', ({ task, reason }) => events.push(`dropped ${task.name} ${reason}`));
    runner.on('task:skipped', ({ task, status }) => events.push(`skipped ${task.name} ${status}`));
    runner.on('task:interrupted', ({ task, error }) => events.push(`interrupted ${task.name} ${(error as { code?: string }).code ?? ''}`));
    const batch = runner.createBatch({ requestId: 'r1' });
    batch.add(function stuck() {
      return never.promise;
    });
    batch.add({ when: 'failure' }, function onFailure() {});
    batch.add(function afterwards() {});
    // No queue: a defined task is dropped like a plain one.
    batch.add(definition('definedAfterwards', () => undefined), {});
    runner.start(batch, 200);
    await until(() => runner.stats().running === 1);
    const report = await runner.drain({ timeoutMs: 20 });
    await until(() => events.length === 4);
    expect([...events].sort()).toEqual(['dropped afterwards shutdown', 'dropped definedAfterwards shutdown', 'interrupted stuck ERRAND_TASK_DROPPED', 'skipped onFailure 200']);
    expect(report.dropped).toEqual([
      { task: 'afterwards', requestId: 'r1' },
      { task: 'definedAfterwards', requestId: 'r1' },
    ]);
    expect(logs.find((line) => line.object.task === 'afterwards')).toMatchObject({ level: 'warn', object: { code: 'ERRAND_TASK_DROPPED', requestId: 'r1' }, message: 'after-response task "afterwards" was dropped at shutdown' });
    expect(runner.stats()).toMatchObject({ skipped: 1, dropped: 2, failed: 0, pending: 0 });
    never.resolve();
    await until(() => runner.stats().abandoned === 0);
  });

  it('after the deadline, runs nothing more: a task added or a request started later is dropped', async () => {
    const { runner } = setup();
    const never = deferred();
    const ran: string[] = [];
    const streaming = runner.createBatch({ requestId: 'stream' });
    streaming.add(() => never.promise);
    runner.start(streaming, 200);
    const late = runner.createBatch({ requestId: 'late' });
    late.add(() => void ran.push('late'));
    await runner.drain({ timeoutMs: 20 });
    streaming.add(() => void ran.push('streamed'));
    runner.start(late, 200);
    await runner.onIdle();
    expect(ran).toEqual([]);
    expect(runner.stats()).toMatchObject({ dropped: 2, pending: 0 });
    never.resolve();
    await until(() => runner.stats().abandoned === 0);
  });
});
