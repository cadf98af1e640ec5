import { describe, expect, it } from 'vitest';
import { defineTask } from './define-task.js';
import { indexTasks } from './runnable-task.js';
import { WorkerSlots } from './worker-slots.js';

const free = defineTask('free', { handler: () => undefined });
const single = defineTask('single', { concurrency: 1, handler: () => undefined });

/** Runs `count` handlers of `name` that each took `ms`. */
function runFor(slots: WorkerSlots, name: string, count: number, ms: number): void {
  for (let n = 0; n < count; n += 1) {
    slots.claimed(name);
    slots.started(name);
    slots.ended(name, ms);
  }
}

describe('WorkerSlots', () => {
  it('claims no further ahead than its free slots until a handler has run', () => {
    const slots = new WorkerSlots(indexTasks([free]), 10, 10);
    expect(slots.lookahead).toBe(0);
    expect(slots.claimRoom()).toBe(10);
    slots.reserve(['free'], 10);
    expect(slots.claimRoom()).toBe(0);
    slots.unreserve(['free'], 10);
    expect(slots.claimRoom()).toBe(10);
  });

  it('claims a whole batch ahead for short jobs, and nothing ahead for long ones', () => {
    const short = new WorkerSlots(indexTasks([free]), 50, 20);
    short.claimAnswered(2);
    runFor(short, 'free', 100, 0);
    expect(short.lookahead).toBe(20);
    expect(short.claimRoom()).toBe(70);

    const long = new WorkerSlots(indexTasks([free]), 50, 20);
    long.claimAnswered(2);
    runFor(long, 'free', 100, 5_000);
    expect(long.lookahead).toBe(0);
    expect(long.claimRoom()).toBe(50);
  });

  it('never lets more handlers start than the worker and each task allow', () => {
    const slots = new WorkerSlots(indexTasks([free, single]), 2, 2);
    slots.claimed('single');
    slots.claimed('single');
    expect(slots.canStart('single')).toBe(true);
    slots.started('single');
    expect(slots.canStart('single')).toBe(false);
    expect(slots.canStart('free')).toBe(true);
    slots.claimed('free');
    slots.started('free');
    expect(slots.canStart('free')).toBe(false);
    slots.dropped('single');
    expect(slots.held).toBe(2);
    expect(slots.canStart('unknown')).toBe(false);
  });

  it('counts only what tasks with their own concurrency can take when no task is unbounded', () => {
    const slots = new WorkerSlots(indexTasks([single]), 10, 10);
    expect(slots.claimable()).toBe(1);
    slots.claimed('single');
    expect(slots.freeFor('single')).toBe(0);
    expect(slots.claimable()).toBe(0);
    expect(slots.claimRoom()).toBe(9);
  });
});

describe('WorkerSlots accounting', () => {
  const triple = defineTask('triple', { concurrency: 3, handler: () => undefined });

  it('sizes the lookahead from the claim latency and the handler duration, both averaged', () => {
    // concurrency 10, batch 100: lookahead = floor(10 × claim ms ÷ run ms).
    const slots = new WorkerSlots(indexTasks([free]), 10, 100);
    slots.claimAnswered(21); // claim average 1 + 0.2 × (21 − 1) = 5
    runFor(slots, 'free', 1, 2); // first run: 2 ms
    expect(slots.lookahead).toBe(25);
    runFor(slots, 'free', 1, 42); // run average 2 + 0.05 × (42 − 2) = 4
    expect(slots.lookahead).toBe(12);
    expect(slots.claimRoom()).toBe(22);
  });

  it('claims ahead for a task with its own concurrency at most that many, less what it holds and has asked for', () => {
    const slots = new WorkerSlots(indexTasks([triple, free]), 10, 100);
    slots.claimAnswered(21);
    runFor(slots, 'free', 1, 2);
    expect(slots.lookahead).toBe(25);
    // 3 running at most, 3 more ahead.
    expect(slots.freeFor('triple')).toBe(6);
    slots.reserve(['triple'], 2);
    expect(slots.freeFor('triple')).toBe(4);
    expect(slots.reserved).toBe(2);
    slots.claimed('triple');
    expect(slots.freeFor('triple')).toBe(3);
    slots.unreserve(['triple'], 2);
    slots.dropped('triple');
    expect(slots.freeFor('triple')).toBe(6);
    expect(slots.held).toBe(0);
    expect(slots.reserved).toBe(0);
  });

  it('answers nothing free and no start for a task it does not run, and refuses to count one', () => {
    const slots = new WorkerSlots(indexTasks([free]), 10, 10);
    expect(slots.freeFor('unknown')).toBe(0);
    expect(slots.canStart('unknown')).toBe(false);
    expect(() => slots.claimed('unknown')).toThrow(new RangeError('worker slots: unknown task "unknown"'));
  });
});
