import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineSchedule, type ScheduleOptions } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import type { ScheduleStore, StoredSchedule } from '../../src/jobs/schedule-store.js';
import { scheduleJobId } from '../../src/jobs/schedule-ticks.js';
import { runDueSchedules, runSchedule, scheduleStoreOf, specOf, syncSchedules } from '../../src/jobs/scheduler.js';
import { claimOne } from '../../src/testing/conformance-helpers.js';

// One node's round over its schedules (runSchedule, runDueSchedules) and the upsert of declarations
// (syncSchedules), on the memory backend, with an explicit clock.

const task = defineTask('rounds', { handler: () => 'ok' });
const base = Date.UTC(2026, 0, 1);

async function stored(backend: JobBackend, options: ScheduleOptions<unknown>, name = 'tick'): Promise<StoredSchedule> {
  const schedule: StoredSchedule = { name, spec: await specOf(defineSchedule(task, { name, ...options })), nextRunAt: base, lastTickAt: null, paused: false, updatedAt: base };
  await scheduleStoreOf(backend).save(schedule);
  return schedule;
}

async function round(backend: JobBackend, name: string, now: number): ReturnType<typeof runSchedule> {
  const store = scheduleStoreOf(backend);
  const schedule = await store.get(name);
  if (schedule === undefined) throw new Error(`no schedule ${name}`);
  return runSchedule(backend, store, schedule, now);
}

describe('a schedule round', () => {
  it("'queue' with missed 'none' moves past a tick found too late while the previous job runs, instead of holding it", async () => {
    const backend = createMemoryBackend();
    await stored(backend, { every: 1_000, overlap: 'queue', missed: 'none', graceMs: 100 });
    expect((await round(backend, 'tick', base)).fired).toEqual([base]);
    await claimOne(backend, { tasks: ['rounds'] });
    // Found 1.5 s late: the tick at base + 1 s is past its grace, so there is nothing to queue behind the running job.
    expect(await round(backend, 'tick', base + 2_500)).toEqual({ fired: [], skipped: 2, held: false, lost: false });
    expect(await scheduleStoreOf(backend).get('tick')).toMatchObject({ nextRunAt: base + 3_000, lastTickAt: base });
    expect((await backend.list({ task: 'rounds' })).jobs.map((job) => job.id)).toEqual([scheduleJobId('tick', base)]);
    await backend.close();
  });
});

/** The value as a JSON column gives it back: keys in reverse order, `undefined` members gone, `undefined` in arrays as null. */
function asStored(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json: unknown = JSON.parse(JSON.stringify(value));
  const reverse = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(reverse);
    if (typeof item !== 'object' || item === null) return item;
    return Object.fromEntries(Object.entries(item).reverse().map(([key, member]) => [key, reverse(member)]));
  };
  return reverse(json);
}

/** A memory schedule store that gives its schedules back as a JSON column would. */
function jsonStore(backend: JobBackend): ScheduleStore {
  const store = scheduleStoreOf(backend);
  return {
    ...store,
    get: async (name) => asStored(await store.get(name)) as StoredSchedule | undefined,
    list: async () => (await store.list()).map((schedule) => asStored(schedule) as StoredSchedule),
  };
}

describe('upserting declarations', () => {
  it('leaves alone a stored schedule that differs only as a JSON column gives it back (key order, undefined members, undefined in arrays)', async () => {
    const backend = createMemoryBackend();
    const store = jsonStore(backend);
    const payload = {
      zone: 'eu',
      options: { verbose: true, depth: 2, since: null, limits: { max: 10, min: 1, avg: 5 }, tags: [{ b: 1, a: 2, c: [3, { z: 1, y: 2 }] }, 'x', undefined] },
      ignored: undefined,
      at: 'noon',
      deep: [[{ q: 1, p: 2 }]],
    };
    const declared = [defineSchedule(task, { name: 'report', every: 3_600_000, payload })];
    expect(await syncSchedules(store, declared, ['rounds'], base)).toEqual({ created: ['report'], updated: [], removed: [] });
    expect(await syncSchedules(store, declared, ['rounds'], base + 1)).toEqual({ created: [], updated: [], removed: [] });
    expect((await store.get('report'))?.updatedAt).toBe(base);
    // A real change is still an update, in a nested object as in an array.
    const nestedPayload = { ...payload, options: { ...payload.options, limits: { max: 10, min: 2, avg: 5 } } };
    const nested = defineSchedule(task, { name: 'report', every: 3_600_000, payload: nestedPayload });
    expect(await syncSchedules(store, [nested], ['rounds'], base + 2)).toMatchObject({ updated: ['report'] });
    const inArray = defineSchedule(task, { name: 'report', every: 3_600_000, payload: { ...nestedPayload, deep: [[{ q: 1, p: 3 }]] } });
    expect(await syncSchedules(store, [inArray], ['rounds'], base + 3)).toMatchObject({ updated: ['report'] });
    expect(await syncSchedules(store, [inArray], ['rounds'], base + 4)).toEqual({ created: [], updated: [], removed: [] });
    await backend.close();
  });
});

describe('a round over the due schedules', () => {
  it('answers the next due time of the others when a schedule is removed by another node during the round', async () => {
    const backend = createMemoryBackend();
    const inner = scheduleStoreOf(backend);
    // Another node's deploy drops 'gone' right after this node handled its tick.
    const store: ScheduleStore = {
      ...inner,
      advance: async (advance, jobs) => {
        const won = await inner.advance(advance, jobs);
        if (advance.name === 'gone') await inner.remove('gone');
        return won;
      },
    };
    await stored(backend, { every: 1_000, overlap: 'allow' }, 'gone');
    expect(await runDueSchedules(backend, store, new Set(['rounds']), base + 10)).toBe(Number.POSITIVE_INFINITY);
    await stored(backend, { every: 1_000, overlap: 'allow' }, 'gone');
    await stored(backend, { every: 60_000, overlap: 'allow' }, 'stays');
    expect(await runDueSchedules(backend, store, new Set(['rounds']), base + 10)).toBe(base + 60_000);
    expect((await backend.list({ task: 'rounds' })).jobs.map((job) => job.id).sort()).toEqual([scheduleJobId('gone', base), scheduleJobId('stays', base)].sort());
    await backend.close();
  });
});
