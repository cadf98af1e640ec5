import { describe, expect, it } from 'vitest';
import { parseWorkerArgs } from './worker-command.js';

describe('parseWorkerArgs', () => {
  it('applies defaults: SQLite file, concurrency 10, one process, 30 s lease, 10 s shutdown', () => {
    expect(parseWorkerArgs(['--tasks', './tasks.js'], {})).toEqual({ tasks: './tasks.js', queue: './data/errand.db', concurrency: 10, processes: 1, leaseMs: 30_000, shutdownTimeoutMs: 10_000 });
  });

  it('reads flags first, then ERRAND_TASKS and ERRAND_QUEUE', () => {
    expect(parseWorkerArgs([], { ERRAND_TASKS: 'a.js', ERRAND_QUEUE: 'redis://q:6379' })).toMatchObject({ tasks: 'a.js', queue: 'redis://q:6379' });
    expect(parseWorkerArgs(['--tasks', 'b.js', '--queue', 'memory:', '--concurrency', '4', '--processes', '3', '--lease-ms', '5000'], { ERRAND_TASKS: 'a.js', ERRAND_QUEUE: 'x.db' })).toMatchObject({ tasks: 'b.js', queue: 'memory:', concurrency: 4, processes: 3, leaseMs: 5000 });
  });

  it('refuses a missing task module, bad numbers and unknown flags', () => {
    expect(() => parseWorkerArgs([], {})).toThrow(/--tasks is required/);
    expect(() => parseWorkerArgs(['--tasks', 't.js', '--concurrency', '0'], {})).toThrow(/--concurrency/);
    expect(() => parseWorkerArgs(['--tasks', 't.js', '--processes', 'two'], {})).toThrow(/--processes/);
    expect(() => parseWorkerArgs(['--tasks', 't.js', '--bogus'], {})).toThrow();
  });
});
