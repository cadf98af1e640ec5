import { describe, expect, it } from 'vitest';
import { backendUnavailableError } from '../../src/jobs/backend-errors.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import type { ScheduleStore, StoredSchedule } from '../../src/jobs/schedule-store.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const { memory, start } = useMemoryWorkers();

/** The value as a database that keeps JSON might give it back: keys in another order, `undefined` members gone. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).reverse().map(([key, item]) => [key, reordered(item)]));
}

/** The memory backend with its schedule store replaced by `wrap(store)`. */
function withStore(backend: JobBackend, wrap: (store: ScheduleStore) => ScheduleStore): JobBackend {
  const store = backend.schedules;
  if (store === undefined) throw new Error('the memory backend stores schedules');
  return { ...backend, schedules: wrap(store) };
}

describe('a worker with schedules', () => {
  it('leaves alone a stored schedule whose only difference is key order and dropped undefined members (as a JSON column gives it back)', async () => {
    const inner = memory();
    let lists = 0;
    const backend = withStore(inner, (store) => ({
      ...store,
      get: async (name) => reordered(await store.get(name)) as StoredSchedule | undefined,
      list: async () => {
        lists += 1;
        return (await store.list()).map((schedule) => reordered(schedule) as StoredSchedule);
      },
    }));
    const report = defineTask('report', { handler: (_payload: object) => undefined });
    const payload = { zone: 'eu', options: { verbose: true, depth: 2, since: null, tags: [{ b: 1, a: 2 }, 'x'] }, ignored: undefined, at: 'noon' };
    const schedule = defineSchedule(report, { every: 3_600_000, payload });
    const queue = createQueue({ backend });
    let now = Date.UTC(2026, 0, 1);
    const startAt = async (): Promise<StoredSchedule[]> => {
      const listed = lists;
      const worker = start(backend, { tasks: [report], schedules: [schedule], now: () => now, schedulerPollMs: 20, logger: quiet });
      // The upsert lists the store once at its end, then each round once: after two lists the upsert is done.
      await eventually(() => expect(lists - listed).toBeGreaterThanOrEqual(2));
      await worker.stop();
      return queue.listSchedules();
    };
    const [first] = await startAt();
    expect(first?.updatedAt).toBe(now);
    now += 60_000;
    const [second] = await startAt();
    expect(second?.updatedAt).toBe(first?.updatedAt);
    // A real change is still seen.
    const changed = defineSchedule(report, { every: 3_600_000, payload: { ...payload, at: 'dusk' } });
    const worker = start(backend, { tasks: [report], schedules: [changed], now: () => now, schedulerPollMs: 20, logger: quiet });
    await eventually(async () => expect((await queue.listSchedules())[0]?.updatedAt).toBe(now));
    await worker.stop();
  });

  it('retries storing its schedules while the backend is unreachable', async () => {
    const inner = memory();
    let failures = 2;
    const backend = withStore(inner, (store) => ({
      ...store,
      get: async (name) => {
        if (failures > 0) {
          failures -= 1;
          throw backendUnavailableError('the store is restarting');
        }
        return store.get(name);
      },
    }));
    const digest = defineTask('digest', { handler: () => undefined });
    const errors: Error[] = [];
    const worker = start(backend, { tasks: [digest], schedules: [defineSchedule(digest, { every: 3_600_000 })], schedulerPollMs: 20, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(async () => expect((await inner.schedules?.list())?.map((stored) => stored.name)).toEqual(['digest']));
    expect(errors.map((error) => error.message)).toEqual(['the store is restarting', 'the store is restarting']);
  });

  it('does not retry a declaration the task refuses: one worker:error, nothing stored', async () => {
    const backend = memory();
    const strict = defineTask('strict', {
      schema: { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => (typeof value === 'object' && value !== null && 'n' in value ? { value } : { issues: [{ message: 'n is required' }] }) } },
      handler: () => undefined,
    });
    const errors: Error[] = [];
    const worker = start(backend, { tasks: [strict], schedules: [defineSchedule(strict, { every: 1_000, payload: {} as { n: number } })], schedulerPollMs: 10, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    await eventually(() => expect(errors).toHaveLength(1));
    // Twenty scheduler polls later, still the one report.
    await sleep(200);
    expect(errors.map((error) => error.name)).toEqual(['PayloadInvalidError']);
    expect(await backend.schedules?.list()).toEqual([]);
  });

  it('wakes for the next tick, not only at each scheduler poll', async () => {
    const backend = memory();
    const ran: number[] = [];
    const ping = defineTask('ping', { handler: () => void ran.push(Date.now()) });
    // A poll of a minute: ticks every 100 ms are run because the scheduler sleeps until the next one.
    start(backend, { tasks: [ping], schedules: [defineSchedule(ping, { every: 100, overlap: 'allow' })], schedulerPollMs: 60_000, logger: quiet });
    await eventually(() => expect(ran.length).toBeGreaterThanOrEqual(3));
  });

  it('runs jobs on a backend that stores no schedules, without reporting errors', async () => {
    // The memory backend without its schedule store.
    const { schedules, ...backend }: JobBackend = memory();
    expect(schedules).toBeDefined();
    const errors: Error[] = [];
    const done = defineTask('done', { handler: (_payload: object) => 'ok' });
    const worker = start(backend, { tasks: [done], schedulerPollMs: 10, logger: quiet });
    worker.on('worker:error', ({ error }) => errors.push(error));
    const id = await createQueue({ backend }).enqueue(done, {});
    await eventually(async () => expect((await backend.get(id))?.state).toBe('succeeded'));
    await sleep(100);
    expect(errors).toEqual([]);
  });
});
