import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import type { Enqueuer, TaskContext, TaskDefinition } from '../jobs/task-definition.js';
import { currentTask } from './current-task.js';
import { createTaskRunner, type TaskErrorInfo, type TaskLogger, type TaskRunnerOptions } from './task-runner.js';

interface LogLine {
  level: string;
  object: Record<string, unknown>;
  message: string;
}

function captureLogger(lines: LogLine[]): TaskLogger {
  const at = (level: string) => (object: object, message: string) => void lines.push({ level, object: object as Record<string, unknown>, message });
  return { error: at('error'), warn: at('warn'), info: at('info') };
}

function definition<P>(name: string, handler: (payload: P, context: TaskContext) => unknown): TaskDefinition<P> {
  return { kind: 'errand:task', name, options: { handler }, parse: (payload) => Promise.resolve(payload as P) };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let logs: LogLine[];
let reported: { error: Error; info: TaskErrorInfo }[];
let rejections: unknown[];
const onRejection = (reason: unknown): void => void rejections.push(reason);

beforeEach(() => {
  logs = [];
  reported = [];
  rejections = [];
  process.on('unhandledRejection', onRejection);
});
afterEach(() => {
  process.off('unhandledRejection', onRejection);
});

function runner(options: TaskRunnerOptions = {}) {
  return createTaskRunner({
    logger: captureLogger(logs),
    onError: (error, info) => void reported.push({ error, info }),
    ...options,
  });
}

describe('TaskRunner', () => {
  it('runs nothing before start, then every task in the order added, sync and async', async () => {
    const r = runner();
    const ran: string[] = [];
    const batch = r.createBatch({ requestId: 'req-1' });
    batch.add((x: string) => void ran.push(`sync ${x}`), 'a');
    batch.add(async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ran.push(`async ${x}`);
    }, 1);
    batch.add({ name: 'third' }, () => void ran.push('third'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([]);
    r.start(batch, 200);
    await r.onIdle();
    expect(ran).toEqual(['sync a', 'async 1', 'third']);
    expect(r.stats()).toMatchObject({ added: 3, started: 3, succeeded: 3, pending: 0, running: 0 });
  });

  it('keeps running after a failing task and reports it with the request id and context', async () => {
    const r = runner();
    const ran: string[] = [];
    const context = { marker: true };
    const batch = r.createBatch({ requestId: 'req-2', context });
    batch.add(() => void ran.push('first'));
    batch.add(async function failing() {
      await Promise.resolve();
      throw new RangeError('boom');
    });
    batch.add(() => {
      // Odd throws must be wrapped, not lost.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'a string';
    });
    batch.add(() => void ran.push('last'));
    r.start(batch, 201);
    await r.onIdle();
    expect(ran).toEqual(['first', 'last']);
    expect(reported.map((x) => x.error.message)).toEqual(['boom', 'a string']);
    expect(reported[0].error).toBeInstanceOf(RangeError);
    expect(reported[0].info).toEqual({ task: 'failing', requestId: 'req-2', timedOut: false, context });
    expect(logs.filter((l) => l.level === 'error').map((l) => l.object.requestId)).toEqual(['req-2', 'req-2']);
    expect(r.stats()).toMatchObject({ succeeded: 2, failed: 2 });
    expect(rejections).toEqual([]);
  });

  it('judges when against the final status', async () => {
    const r = runner();
    const ran: string[] = [];
    for (const status of [200, 500]) {
      const batch = r.createBatch();
      batch.add(() => void ran.push(`${status} success`));
      batch.add({ when: 'always' }, () => void ran.push(`${status} always`));
      batch.add({ when: 'failure' }, () => void ran.push(`${status} failure`));
      r.start(batch, status);
      await r.onIdle();
    }
    expect(ran).toEqual(['200 success', '200 always', '500 always', '500 failure']);
    expect(r.stats().skipped).toBe(2);
  });

  it('gives currentTask() to the synchronous part of a task only', async () => {
    const r = runner();
    const seen: (string | undefined)[] = [];
    const batch = r.createBatch();
    batch.add(async function reads() {
      // One context per task, however often it is asked for.
      seen.push(currentTask() === currentTask() ? 'same' : 'another');
      seen.push(currentTask()?.jobId.slice(0, 7));
      await Promise.resolve();
      seen.push(currentTask()?.jobId);
    });
    batch.add(() => void seen.push(currentTask() === undefined ? 'none' : 'second'));
    expect(currentTask()).toBeUndefined();
    r.start(batch, 200);
    await r.onIdle();
    expect(seen).toEqual(['same', 'inline:', undefined, 'second']);
    expect(r.stats()).toMatchObject({ succeeded: 2, pending: 0, running: 0 });
  });

  it('starts the tasks on a microtask after start() returned, never inside it', async () => {
    const r = runner();
    const ran: string[] = [];
    const batch = r.createBatch();
    batch.add(() => void ran.push('task'));
    r.start(batch, 200);
    ran.push('start returned');
    await r.onIdle();
    expect(ran).toEqual(['start returned', 'task']);
  });

  it('runs a task added while an earlier task of the same request runs after that one, not beside it', async () => {
    const r = runner();
    const gate = deferred();
    const ran: string[] = [];
    const batch = r.createBatch();
    batch.add(async () => {
      ran.push('first started');
      await gate.promise;
      ran.push('first ended');
    });
    r.start(batch, 200);
    while (ran.length === 0) await new Promise((resolve) => setImmediate(resolve));
    batch.add(() => void ran.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    gate.resolve();
    await r.onIdle();
    expect(ran).toEqual(['first started', 'first ended', 'second']);
  });

  it('runs a task added after the response was sent (a streaming response)', async () => {
    const r = runner();
    const ran: string[] = [];
    const batch = r.createBatch();
    batch.add(() => void ran.push('first'));
    r.start(batch, 200);
    await r.onIdle();
    batch.add(() => void ran.push('late'));
    await r.onIdle();
    batch.add(() => void ran.push('later still'));
    await r.onIdle();
    expect(ran).toEqual(['first', 'late', 'later still']);
  });

  it('aborts the signal at the timeout, reports it as timed out and moves on even if the task ignores it', async () => {
    const r = runner({ taskTimeoutMs: 20 });
    const stuck = deferred();
    let seen: AbortSignal | undefined;
    const ran: string[] = [];
    const batch = r.createBatch({ requestId: 'req-3' });
    batch.add(async function ignoresSignal() {
      seen = currentTask()?.signal;
      await stuck.promise;
    });
    batch.add(() => void ran.push('next'));
    r.start(batch, 200);
    await r.onIdle();
    expect(ran).toEqual(['next']);
    expect(seen?.aborted).toBe(true);
    expect(isErrandError(seen?.reason, 'ERRAND_TASK_TIMEOUT')).toBe(true);
    expect(reported).toHaveLength(1);
    expect(reported[0].info).toMatchObject({ task: 'ignoresSignal', timedOut: true, requestId: 'req-3' });
    expect(isErrandError(reported[0].error, 'ERRAND_TASK_TIMEOUT')).toBe(true);
    expect(r.stats()).toMatchObject({ timedOut: 1, abandoned: 1, succeeded: 1 });
    stuck.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.stats().abandoned).toBe(0);
  });

  it('gives defined tasks their context and a per-add timeout overrides the default', async () => {
    const r = runner({ taskTimeoutMs: 5 });
    const contexts: TaskContext[] = [];
    const task = definition<{ n: number }>('defined', async (payload, context) => {
      contexts.push(context);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return payload.n;
    });
    const batch = r.createBatch();
    batch.add(task, { n: 1 }, { timeout: 1_000 });
    r.start(batch, 200);
    await r.onIdle();
    expect(contexts[0]).toMatchObject({ attempt: 1, jobId: expect.stringMatching(/^inline:/) });
    expect(r.stats()).toMatchObject({ succeeded: 1, timedOut: 0 });
  });

  it('lets a task report progress as a durable job would: a promise that resolves, with nothing stored', async () => {
    const r = runner();
    const resolved: unknown[] = [];
    const batch = r.createBatch();
    batch.add(
      definition('import', (_payload, context) => context.progress(50).then((value) => resolved.push(value))),
      {},
    );
    batch.add(() => currentTask()?.progress({ step: 'resize' }).then((value) => resolved.push(value)));
    r.start(batch, 200);
    await r.onIdle();
    expect(resolved).toEqual([undefined, undefined]);
    expect(r.stats()).toMatchObject({ succeeded: 2, failed: 0 });
  });

  it('refuses new requests at the bound with a 503 and Retry-After, and again while shutting down', async () => {
    const r = runner({ maxPending: 2, retryAfterSeconds: 3 });
    const gate = deferred();
    const rejected: unknown[] = [];
    r.on('request:rejected', (event) => rejected.push(event));
    const batch = r.createBatch();
    batch.add(() => gate.promise);
    batch.add(() => gate.promise);
    expect(() => r.admit('req-4')).toThrow(expect.objectContaining({ code: 'ERRAND_OVERLOADED', status: 503, headers: { 'Retry-After': '3' } }));
    expect(rejected).toEqual([{ requestId: 'req-4', pending: 2 }]);
    r.start(batch, 200);
    gate.resolve();
    await r.onIdle();
    expect(() => r.admit()).not.toThrow();
    await r.drain({ timeoutMs: 10 });
    expect(() => r.admit()).toThrow(expect.objectContaining({ code: 'ERRAND_SHUTTING_DOWN', status: 503, message: 'the server is shutting down and takes no new requests' }));
    expect(() => r.admit()).toThrow(expect.objectContaining({ code: 'ERRAND_SHUTTING_DOWN' }));
    expect(r.stats()).toMatchObject({ rejectedRequests: 1, refusedWhileClosing: 2 });
  });

  it('enqueues durable tasks after the response instead of running them, and needs a queue for it', async () => {
    const enqueued: unknown[] = [];
    const queue: Enqueuer = { enqueue: (task, payload, options) => Promise.resolve(`job-${enqueued.push([task.name, payload, options])}`) };
    let ran = false;
    const task = definition('welcome', () => void (ran = true));
    const r = runner({ queue });
    const batch = r.createBatch();
    batch.add(task, { to: 'a@b.c' }, { durable: true, enqueue: { priority: 1 } });
    expect(enqueued).toEqual([]);
    const events: string[] = [];
    r.on('task:enqueued', (e) => events.push(e.jobId));
    r.start(batch, 202);
    await r.onIdle();
    expect(ran).toBe(false);
    expect(enqueued).toEqual([['welcome', { to: 'a@b.c' }, { priority: 1 }]]);
    expect(events).toEqual(['job-1']);

    const noQueue = runner().createBatch();
    expect(() => noQueue.add(task, {}, { durable: true })).toThrow(
      expect.objectContaining({
        code: 'ERRAND_QUEUE_MISSING',
        message: 'task "welcome" was added with durable: true but the background runner has no queue; pass `queue` to createTaskRunner or background()',
      }),
    );
    expect(noQueue.entries).toHaveLength(0);
    // A refused add keeps the tasks added before it, and the next add takes its place.
    noQueue.add(function first() {});
    expect(() => noQueue.add(task, {}, { durable: true })).toThrow(expect.objectContaining({ code: 'ERRAND_QUEUE_MISSING' }));
    noQueue.add(function second() {});
    expect(noQueue.entries.map((entry) => [entry.index, entry.name])).toEqual([
      [0, 'first'],
      [1, 'second'],
    ]);
  });

  it('drains to a deadline: interrupts what runs, enqueues defined tasks, drops and logs the rest', async () => {
    const enqueued: string[] = [];
    const queue: Enqueuer = { enqueue: (task) => Promise.resolve(`job-${enqueued.push(task.name)}`) };
    const r = runner({ queue });
    const never = deferred();
    let aborted = false;
    const done = r.createBatch({ requestId: 'fast' });
    done.add(() => undefined);
    r.start(done, 200);
    const slow = r.createBatch({ requestId: 'slow' });
    slow.add(async function stuck() {
      currentTask()?.signal.addEventListener('abort', () => (aborted = true));
      await never.promise;
    });
    slow.add(definition('later', () => undefined), {});
    slow.add(function plainLater() {});
    r.start(slow, 200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const quick = r.createBatch({ requestId: 'quick' });
    quick.add(() => new Promise((resolve) => setTimeout(resolve, 5)));
    r.start(quick, 200);
    const report = await r.drain({ timeoutMs: 30 });
    expect(aborted).toBe(true);
    expect(report.finished).toBe(1);
    expect(report.interrupted).toEqual([{ task: 'stuck', requestId: 'slow' }]);
    expect(report.enqueued).toEqual([{ task: 'later', requestId: 'slow', jobId: 'job-1' }]);
    expect(report.dropped).toEqual([{ task: 'plainLater', requestId: 'slow' }]);
    expect(logs.some((l) => l.level === 'warn' && l.object.code === 'ERRAND_TASK_DROPPED' && l.object.task === 'plainLater')).toBe(true);
    expect(r.stats()).toMatchObject({ interrupted: 1, enqueued: 1, dropped: 1, pending: 0 });
    expect(await r.drain()).toBe(report);
    never.resolve();
  });

  it('drains quickly when everything finishes in time', async () => {
    const r = runner();
    const batch = r.createBatch();
    batch.add(() => new Promise((resolve) => setTimeout(resolve, 10)));
    r.start(batch, 200);
    const report = await r.drain({ timeoutMs: 5_000 });
    expect(report).toMatchObject({ finished: 1, interrupted: [], enqueued: [], dropped: [] });
  });

  it('survives a reporter and a listener that throw', async () => {
    const r = runner({
      onError: () => Promise.reject(new Error('reporter down')),
    });
    r.on('task:failed', () => {
      throw new Error('listener down');
    });
    const ran: string[] = [];
    const batch = r.createBatch();
    batch.add(() => Promise.reject(new Error('task down')));
    batch.add(() => void ran.push('after'));
    r.start(batch, 200);
    await r.onIdle();
    expect(ran).toEqual(['after']);
    expect(logs.map((l) => l.message)).toEqual(['after-response task failed', 'the task-error reporter threw', 'a task event listener threw']);
    expect(logs[1].object).toMatchObject({ err: expect.objectContaining({ message: 'reporter down' }), task: 'anonymous' });
    expect(logs[2].object).toMatchObject({ err: expect.objectContaining({ message: 'listener down' }) });
    expect(rejections).toEqual([]);
  });

  it('emits typed events with names, args and durations', async () => {
    const r = runner();
    const seen: string[] = [];
    r.on('task:started', (e) => seen.push(`started ${e.task.name} ${JSON.stringify(e.task.args)}`));
    r.on('task:succeeded', (e) => seen.push(`succeeded ${e.task.name} ${typeof e.durationMs}`));
    r.on('task:skipped', (e) => seen.push(`skipped ${e.task.name} ${e.status}`));
    const batch = r.createBatch();
    batch.add(function greet(_name: string, _n: number) {}, 'ada', 2);
    batch.add({ when: 'failure', name: 'onFailure' }, () => {});
    r.start(batch, 204);
    await r.onIdle();
    expect(seen).toEqual(['started greet ["ada",2]', 'succeeded greet number', 'skipped onFailure 204']);
  });
});
