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
