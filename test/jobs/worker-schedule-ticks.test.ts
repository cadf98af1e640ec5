import { describe, expect, it } from 'vitest';
import type { ClaimedJob, JobBackend } from '../../src/jobs/backend.js';
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { scheduleJobId } from '../../src/jobs/schedule-ticks.js';
import { backendUnavailableError } from '../../src/jobs/backend-errors.js';
import type { ScheduleStore } from '../../src/jobs/schedule-store.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

// What a worker's scheduler does with the tasks it holds and with its own start and stop, through
// createWorker on a memory backend.

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const { memory, start } = useMemoryWorkers();

/** The memory backend with its schedule store replaced by `wrap(store)`. */
function withStore(backend: JobBackend, wrap: (store: ScheduleStore) => ScheduleStore): JobBackend {
  const store = backend.schedules;
  if (store === undefined) throw new Error('the memory backend stores schedules');
  return { ...backend, schedules: wrap(store) };
}

describe("a worker's scheduler", () => {
  it("stores a tick's job in its task's fair-queue group", async () => {
    const backend = memory();
    const tenant = defineTask('tenant-report', { group: { key: (payload: { tenant: string }) => `tenant:${payload.tenant}`, concurrency: 1 }, handler: () => undefined });
    const plain = defineTask('plain-report', { handler: (_payload: { tenant: string }) => undefined });
    // A fixed clock: each schedule's first tick is at `now`'s next hour, which the test then reaches.
    let now = Date.UTC(2026, 0, 1, 0, 30);
    const schedules = [defineSchedule(tenant, { every: 3_600_000, payload: { tenant: 'acme' } }), defineSchedule(plain, { every: 3_600_000, payload: { tenant: 'acme' } })];
    start(backend, { tasks: [tenant, plain], schedules, now: () => now, schedulerPollMs: 20, logger: quiet });
    await eventually(async () => expect(await backend.schedules?.list()).toHaveLength(2));
    const tick = Date.UTC(2026, 0, 1, 1);
    now = tick;
    await eventually(async () => expect((await backend.get(scheduleJobId('tenant-report', tick)))?.state).toBe('succeeded'));
    await eventually(async () => expect((await backend.get(scheduleJobId('plain-report', tick)))?.state).toBe('succeeded'));
    expect((await backend.get(scheduleJobId('tenant-report', tick)))?.group).toBe('tenant:acme');
    expect(await backend.get(scheduleJobId('plain-report', tick))).not.toHaveProperty('group');
  });

  it('stores no schedule when stopped before its first claim was answered', async () => {
    const inner = memory();
    let answer: (jobs: ClaimedJob[]) => void = () => undefined;
    let claims = 0;
    // The first claim hangs until the test answers it: the scheduler is still waiting for it when stop() lands.
    const backend: JobBackend = {
      ...inner,
      claim: (options) => {
        claims += 1;
        return claims === 1 ? new Promise<ClaimedJob[]>((resolve) => (answer = resolve)) : inner.claim(options);
      },
    };
    const digest = defineTask('digest', { handler: () => undefined });
    // The scheduler waits at most schedulerPollMs × 10 for the first answer: a minute here, longer than the test.
    const worker = start(backend, { tasks: [digest], schedules: [defineSchedule(digest, { every: 3_600_000 })], schedulerPollMs: 6_000, logger: quiet });
    await eventually(() => expect(claims).toBe(1));
    const stopped = worker.stop();
    answer([]);
    await stopped;
    expect(await inner.schedules?.list()).toEqual([]);
  });

  it('handles a tick a little ahead of it: its job is stored, due at the tick, before the clock reaches it', async () => {
    const inner = memory();
    let lists = 0;
    const backend = withStore(inner, (store) => ({
      ...store,
      list: async () => {
        lists += 1;
        return store.list();
      },
    }));
    const hourly = defineTask('hourly', { handler: () => undefined });
    const tick = Date.UTC(2026, 0, 1, 1);
    // The clock stands 10 ms before the tick, within the scheduler's lead, and never moves.
    start(backend, { tasks: [hourly], schedules: [defineSchedule(hourly, { every: 3_600_000 })], now: () => tick - 10, schedulerPollMs: 20, logger: quiet });
    // The upsert lists the store once, then each round once: after the third list, the first round has ended.
    await eventually(() => expect(lists).toBeGreaterThanOrEqual(3));
    expect(await inner.get(scheduleJobId('hourly', tick))).toMatchObject({ runAt: tick, createdAt: tick - 10 });
  });

  it('reports a round that fails, and ticks again on the next one', async () => {
    const inner = memory();
    let lists = 0;
    // The upsert's list (the first) works; the first round's fails.
    const backend = withStore(inner, (store) => ({
      ...store,
      list: async () => {
        lists += 1;
        if (lists === 2) throw new Error('the schedule table is locked');
        return store.list();
      },
    }));
    const hourly = defineTask('hourly', { handler: () => undefined });
    const tick = Date.UTC(2026, 0, 1, 1);
    const errors: Error[] = [];
    const worker = start(backend, { tasks: [hourly], schedules: [defineSchedule(hourly, { every: 3_600_000 })], now: () => tick - 10, schedulerPollMs: 20, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(async () => expect(await inner.get(scheduleJobId('hourly', tick))).toBeDefined());
    expect(errors.map((error) => error.message)).toEqual(['the schedule table is locked']);
  });

  it('stops retrying the upsert of its schedules at stop(), even if the backend is back', async () => {
    const inner = memory();
    let down = true;
    const backend = withStore(inner, (store) => ({
      ...store,
      get: async (name) => {
        if (down) throw backendUnavailableError('the store is restarting');
        return store.get(name);
      },
    }));
    const digest = defineTask('digest', { handler: () => undefined });
    const errors: Error[] = [];
    // A retry a minute after a failure: the scheduler is waiting for it when stop() lands.
    const worker = start(backend, { tasks: [digest], schedules: [defineSchedule(digest, { every: 3_600_000 })], schedulerPollMs: 60_000, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(() => expect(errors).toHaveLength(1));
    const stopped = worker.stop();
    down = false;
    await stopped;
    expect(await inner.schedules?.list()).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
