import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createWorker } from '../../src/jobs/worker.js';

const task = defineTask('digest', { handler: () => undefined });

describe('defineSchedule', () => {
  it('defaults the name to the task name and keeps the options', () => {
    const schedule = defineSchedule(task, { cron: '0 7 * * *', payload: {} });
    expect(schedule).toMatchObject({ kind: 'errand:schedule', name: 'digest', task, options: { cron: '0 7 * * *' } });
  });

  it('refuses bad declarations at once', () => {
    expect(() => defineSchedule(task, {})).toThrow(/exactly one of `cron` and `every`/);
    expect(() => defineSchedule(task, { cron: '* * * * *', every: 5 })).toThrow(/exactly one/);
    expect(() => defineSchedule(task, { cron: '61 * * * *' })).toThrow(RangeError);
    expect(() => defineSchedule(task, { cron: '0 * * * *', timezone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
    expect(() => defineSchedule(task, { every: 0 })).toThrow(/every must be/);
    expect(() => defineSchedule(task, { every: 1_000, timezone: 'UTC' })).toThrow(/timezone applies to cron only/);
    expect(() => defineSchedule(task, { every: 1_000, name: 'a:b' })).toThrow(/schedule name/);
    expect(() => defineSchedule(defineTask('mail:digest', { handler: () => undefined }), { every: 1_000 })).toThrow(/pass `name`/);
    expect(() => defineSchedule(task, { every: 1_000, overlap: 'sometimes' as 'skip' })).toThrow(/overlap/);
    expect(() => defineSchedule(task, { every: 1_000, missed: 'some' as 'all' })).toThrow(/missed/);
    expect(() => defineSchedule(task, { every: 1_000, maxMissed: -1 })).toThrow(/maxMissed/);
  });

  it('accepts the bounds (every 1 ms, maxMissed 0, graceMs 0) and names the schedule in a refusal', () => {
    expect(defineSchedule(task, { every: 1, missed: 'all', maxMissed: 0 }).options).toMatchObject({ every: 1, maxMissed: 0 });
    expect(defineSchedule(task, { every: 1_000, missed: 'none', graceMs: 0 }).options.graceMs).toBe(0);
    expect(() => defineSchedule(task, { every: 1_000, graceMs: -1 })).toThrow(new RangeError('defineSchedule("digest"): graceMs must be >= 0'));
  });

  it('is refused by a worker that does not run its task', () => {
    const other = defineTask('other', { handler: () => undefined });
    expect(() => createWorker({ backend: createMemoryBackend(), tasks: [other], schedules: [defineSchedule(task, { every: 1_000 })] })).toThrow(/not in this worker's tasks/);
  });

  it('a payload the schema refuses is reported by the worker and the schedule is not stored', async () => {
    const strict = defineTask('strict', {
      schema: { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => (typeof value === 'object' && value !== null && 'n' in value ? { value } : { issues: [{ message: 'n is required' }] }) } },
      handler: () => undefined,
    });
    const backend = createMemoryBackend();
    const errors: Error[] = [];
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const worker = createWorker({ backend, tasks: [strict], schedules: [defineSchedule(strict, { every: 1_000, payload: {} as { n: number } })], logger: quiet, pruneIntervalMs: 0 });
    worker.on('worker:error', ({ error }) => errors.push(error));
    worker.start();
    try {
      await expect.poll(() => errors.length).toBe(1);
      expect(errors[0]?.name).toBe('PayloadInvalidError');
      expect(await backend.schedules?.list()).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});
