import { describe, expect, it } from 'vitest';
import { createTaskFailureLog, readTaskFailures, type TaskFailure } from './task-failure-log.js';

const failure = (task: string): TaskFailure => ({ at: 0, task, outcome: 'failed', error: { type: 'about:blank', title: 'x', status: 500 } });

describe('createTaskFailureLog', () => {
  it('keeps the newest failures first and forgets the oldest past its capacity', () => {
    const log = createTaskFailureLog({ capacity: 3 });
    expect(log.list()).toEqual([]);
    for (const task of ['a', 'b']) log.record(failure(task));
    expect(log.list().map((f) => f.task)).toEqual(['b', 'a']);
    for (const task of ['c', 'd', 'e']) log.record(failure(task));
    expect(log.list().map((f) => f.task)).toEqual(['e', 'd', 'c']);
    expect(log.total).toBe(5);
    log.clear();
    expect(log.list()).toEqual([]);
    log.record(failure('f'));
    expect(log.list().map((f) => f.task)).toEqual(['f']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createTaskFailureLog({ capacity: 0 })).toThrow(RangeError);
    expect(() => createTaskFailureLog({ capacity: 1.5 })).toThrow(RangeError);
  });

  it('reads a log or a function alike', async () => {
    const log = createTaskFailureLog();
    log.record(failure('a'));
    expect(await readTaskFailures(log)).toHaveLength(1);
    expect(await readTaskFailures(() => Promise.resolve([failure('b')]))).toEqual([failure('b')]);
  });
});
