import { afterEach, describe, expect, it } from 'vitest';
import type { JobBackend } from '../jobs/backend.js';
import { defineSchedule, type ScheduleOptions } from '../jobs/define-schedule.js';
import { defineTask } from '../jobs/define-task.js';
import { createQueue } from '../jobs/queue.js';
import type { ScheduleStore, StoredSchedule } from '../jobs/schedule-store.js';
import { scheduleJobId } from '../jobs/schedule-ticks.js';
import { leadOf, runDueSchedules, runSchedule, scheduleLeadMs, scheduleStoreOf, specOf, syncSchedules } from '../jobs/scheduler.js';
import { createWorker, type Worker } from '../jobs/worker.js';
import { backendsFor, claimOne, eventually, type ConformanceOptions } from './conformance-helpers.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const task = defineTask('conformance', { handler: () => 'ok' });
const tasks = ['conformance'];
/** A fixed past instant: the fake clock of these tests (ticks in the past are claimable at once). */
const base = Date.UTC(2026, 0, 1, 0, 0, 0);

async function stored(backend: JobBackend, options: ScheduleOptions<unknown>, name = 'tick', nextRunAt = base): Promise<StoredSchedule> {
  const schedule: StoredSchedule = { name, spec: await specOf(defineSchedule(task, { name, ...options })), nextRunAt, lastTickAt: null, paused: false, updatedAt: base };
  await scheduleStoreOf(backend).save(schedule);
  return schedule;
}

async function jobIds(backend: JobBackend): Promise<string[]> {
  return (await backend.list({ task: 'conformance', limit: 1_000 })).jobs.map((job) => job.id).sort();
}

function ids(name: string, ticks: readonly number[]): string[] {
  return ticks.map((tick) => scheduleJobId(name, tick)).sort();
}

/** Runs the schedule as a node would at `now`. */
async function tickAt(backend: JobBackend, name: string, now: number): Promise<Awaited<ReturnType<typeof runSchedule>>> {
  const store = scheduleStoreOf(backend);
  const schedule = await store.get(name);
  if (schedule === undefined) throw new Error(`no schedule ${name}`);
  return runSchedule(backend, store, schedule, now);
}

/** Schedule promises: storage, the one-job-per-tick compare-and-set, upsert at start, and each policy. Clock: explicit instants. */
export function describeSchedules(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);
  async function storeOf(): Promise<{ backend: JobBackend; store: ScheduleStore }> {
    const backend = await makeBackend();
    return { backend, store: scheduleStoreOf(backend) };
  }

  describe('schedules', () => {
    it('stores, reads, lists, pauses and removes a schedule', async () => {
      const { backend, store } = await storeOf();
      const schedule = await stored(backend, { every: 1_000, payload: { n: 1 } });
      expect(await store.get('tick')).toEqual(schedule);
      expect(await store.get('nope')).toBeUndefined();
      expect((await store.list()).map((s) => s.name)).toEqual(['tick']);
      expect(await store.setPaused('tick', true, base + 5, base + 1)).toBe(true);
      expect(await store.get('tick')).toMatchObject({ paused: true, nextRunAt: base + 5, updatedAt: base + 1 });
      expect(await store.setPaused('nope', true, base, base)).toBe(false);
      expect(await store.remove('tick')).toBe(true);
      expect(await store.remove('tick')).toBe(false);
      expect(await store.list()).toEqual([]);
    });

    it('advances by compare-and-set: of concurrent advances from one nextRunAt exactly one wins and one job is stored', async () => {
      const { backend, store } = await storeOf();
      const schedule = await stored(backend, { every: 1_000 });
      const job = { id: scheduleJobId('tick', base), task: 'conformance', payload: {}, runAt: base, priority: 0, maxAttempts: 1, createdAt: base };
      const wins = await Promise.all(Array.from({ length: 8 }, () => store.advance({ name: 'tick', expectedNextRunAt: schedule.nextRunAt, nextRunAt: base + 1_000, lastTickAt: base, now: base }, [job])));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await jobIds(backend)).toEqual([job.id]);
      expect(await store.get('tick')).toMatchObject({ nextRunAt: base + 1_000, lastTickAt: base });
      // A retried step whose job already exists does not store it twice.
      expect(await store.advance({ name: 'tick', expectedNextRunAt: base + 1_000, nextRunAt: base + 2_000, lastTickAt: base, now: base }, [job])).toBe(true);
      expect(await jobIds(backend)).toEqual([job.id]);
      // Paused or unknown: no advance.
      await store.setPaused('tick', true, base + 2_000, base);
      expect(await store.advance({ name: 'tick', expectedNextRunAt: base + 2_000, nextRunAt: base + 3_000, lastTickAt: base, now: base }, [])).toBe(false);
      expect(await store.advance({ name: 'nope', expectedNextRunAt: 0, nextRunAt: 1, lastTickAt: null, now: base }, [])).toBe(false);
    });

    it('makes exactly one job per tick when many nodes handle the same due schedule at once', async () => {
      const { backend, store } = await storeOf();
      await stored(backend, { every: 1_000, overlap: 'allow', missed: 'all' });
      const taskSet = new Set(tasks);
      for (let step = 0; step < 5; step += 1) {
        const now = base + step * 1_000 + 10;
        await Promise.all(Array.from({ length: 4 }, () => runDueSchedules(backend, store, taskSet, now)));
      }
      expect(await jobIds(backend)).toEqual(ids('tick', [0, 1, 2, 3, 4].map((n) => base + n * 1_000)));
      const job = await backend.get(scheduleJobId('tick', base));
      expect(job).toMatchObject({ task: 'conformance', state: 'queued', payload: {} });
    });

    it('upserts declarations: creates, keeps an unchanged one, updates a changed one in place, removes a dropped one of its tasks only', async () => {
      const { store } = await storeOf();
      const first = defineSchedule(task, { name: 'a', every: 60_000, payload: { v: 1 } });
      const other = defineSchedule(task, { name: 'b', cron: '0 3 * * *', timezone: 'Europe/Paris' });
      expect(await syncSchedules(store, [first, other], tasks, base + 1)).toEqual({ created: ['a', 'b'], updated: [], removed: [] });
      expect(await store.get('a')).toMatchObject({ nextRunAt: base + 60_000, paused: false, spec: { every: 60_000, payload: { v: 1 }, overlap: 'skip', missed: 'latest' } });
      // 03:00 in Paris on 1 January is 02:00 UTC.
      expect((await store.get('b'))?.nextRunAt).toBe(base + 2 * 3_600_000);
      expect(await syncSchedules(store, [first, other], tasks, base + 2)).toEqual({ created: [], updated: [], removed: [] });
      expect(await store.advance({ name: 'a', expectedNextRunAt: base + 60_000, nextRunAt: base + 60_000, lastTickAt: base, now: base }, [])).toBe(true);
      await store.setPaused('a', true, base + 60_000, base);
      // A payload change keeps the next tick (and the paused flag and the last tick), even when that
      // tick is past (recomputed from now it would be base + 120 s); a timing change recomputes it.
      const payloadChanged = defineSchedule(task, { name: 'a', every: 60_000, payload: { v: 2 } });
      expect(await syncSchedules(store, [payloadChanged, other], tasks, base + 90_000)).toMatchObject({ updated: ['a'] });
      expect(await store.get('a')).toMatchObject({ nextRunAt: base + 60_000, lastTickAt: base, paused: true, spec: { payload: { v: 2 } } });
      // A time zone is timing too: 03:00 UTC is 03:00 on 1 January, an hour after 03:00 in Paris.
      const otherInUtc = defineSchedule(task, { name: 'b', cron: '0 3 * * *' });
      expect(await syncSchedules(store, [payloadChanged, otherInUtc], tasks, base + 1)).toMatchObject({ updated: ['b'] });
      expect((await store.get('b'))?.nextRunAt).toBe(base + 3 * 3_600_000);
      // And so is the cron expression.
      await syncSchedules(store, [payloadChanged, defineSchedule(task, { name: 'b', cron: '0 4 * * *' })], tasks, base + 1);
      expect((await store.get('b'))?.nextRunAt).toBe(base + 4 * 3_600_000);
      const timingChanged = defineSchedule(task, { name: 'a', every: 7_000, payload: { v: 2 } });
      await syncSchedules(store, [timingChanged, other], tasks, base + 30_000);
      expect((await store.get('a'))?.nextRunAt).toBe(base + 35_000);
      // A worker of other tasks does not remove 'b'; one of its task does, when it no longer declares it.
      expect((await syncSchedules(store, [], ['unrelated'], base)).removed).toEqual([]);
      expect((await syncSchedules(store, [timingChanged], tasks, base)).removed).toEqual(['b']);
      await expect(syncSchedules(store, [timingChanged, timingChanged], tasks, base)).rejects.toThrow('two schedules are named "a"; schedule names must be unique');
      expect((await store.list()).map((s) => s.name)).toEqual(['a']);
    });

    it('stores a declaration with its defaults, and only the timing it names', async () => {
      const { store } = await storeOf();
      const retried = defineTask('conformance', { retries: 5, handler: () => 'ok' });
      const declared = [defineSchedule(task, { name: 'every', every: 60_000 }), defineSchedule(retried, { name: 'cron', cron: '0 3 * * *', timezone: 'Europe/Paris', priority: 7, payload: { n: 1 } })];
      await syncSchedules(store, declared, tasks, base);
      const defaults = { task: 'conformance', overlap: 'skip', missed: 'latest', maxMissed: 100, graceMs: 60_000 };
      expect((await store.get('every'))?.spec).toStrictEqual({ ...defaults, every: 60_000, timezone: 'UTC', payload: {}, priority: 0, maxAttempts: 4 });
      expect((await store.get('cron'))?.spec).toStrictEqual({ ...defaults, cron: '0 3 * * *', timezone: 'Europe/Paris', payload: { n: 1 }, priority: 7, maxAttempts: 6 });
    });

    it('leaves a paused or not yet due schedule as it is, and says when another node handled the tick first', async () => {
      const { backend, store } = await storeOf();
      const schedule = await stored(backend, { every: 1_000, overlap: 'allow' });
      const nothing = { fired: [], skipped: 0, held: false, lost: false };
      expect(await runSchedule(backend, store, schedule, base - 1)).toEqual(nothing);
      expect(await runSchedule(backend, store, { ...schedule, paused: true }, base + 500)).toEqual(nothing);
      expect(await store.get('tick')).toEqual(schedule);
      expect(await runSchedule(backend, store, schedule, base + 500)).toEqual({ ...nothing, fired: [base] });
      // The same read again: the stored schedule has moved on, so this node lost the compare-and-set.
      expect(await runSchedule(backend, store, schedule, base + 500)).toEqual({ ...nothing, lost: true });
      expect(await jobIds(backend)).toEqual(ids('tick', [base]));
    });

    it("handles a tick up to its lead ahead, as a worker's scheduler does: the job is enqueued due at the tick, and the next round is asked for a lead before the next tick", async () => {
      const { backend, store } = await storeOf();
      const taskSet = new Set(tasks);
      await stored(backend, { every: 1_000, overlap: 'allow' }, 'tick', base + 1_000);
      // Half an interval at most: a 100 ms schedule is handled 50 ms ahead, a slower one scheduleLeadMs ahead.
      expect(leadOf(await specOf(defineSchedule(task, { every: 100 })))).toBe(50);
      expect(leadOf(await specOf(defineSchedule(task, { every: 30 })))).toBe(15);
      expect(leadOf(await specOf(defineSchedule(task, { cron: '* * * * * *' })))).toBe(scheduleLeadMs);
      const lead = scheduleLeadMs;
      expect(await runDueSchedules(backend, store, taskSet, base + 1_000 - lead - 1, undefined, true)).toBe(base + 1_000 - lead);
      expect(await jobIds(backend)).toEqual([]);
      expect(await runDueSchedules(backend, store, taskSet, base + 1_000 - lead, undefined, true)).toBe(base + 2_000 - lead);
      expect(await jobIds(backend)).toEqual(ids('tick', [base + 1_000]));
      expect(await backend.get(scheduleJobId('tick', base + 1_000))).toMatchObject({ state: 'queued' });
      expect(await store.get('tick')).toMatchObject({ nextRunAt: base + 2_000, lastTickAt: base + 1_000 });
      // Without the lead (the default), the tick is not due before its time.
      await stored(backend, { every: 1_000, overlap: 'allow' }, 'plain', base + 1_000);
      expect((await tickAt(backend, 'plain', base + 1_000 - 1)).fired).toEqual([]);
    });

    it('answers when the next round is due: the earliest next tick, or soon after now for a tick held by a running job', async () => {
      const { backend, store } = await storeOf();
      const taskSet = new Set(tasks);
      await stored(backend, { every: 1_000, overlap: 'allow' }, 'due');
      await stored(backend, { every: 1_000 }, 'later', base + 3_000);
      // 'due' is due exactly now: it runs, and is next due a second later, before 'later'.
      expect(await runDueSchedules(backend, store, taskSet, base)).toBe(base + 1_000);
      expect(await jobIds(backend)).toEqual(ids('due', [base]));
      await store.remove('due');
      expect(await runDueSchedules(backend, store, taskSet, base)).toBe(base + 3_000);
      await store.remove('later');
      await stored(backend, { every: 1_000, overlap: 'queue' }, 'held');
      await runDueSchedules(backend, store, taskSet, base);
      await claimOne(backend, { tasks });
      // The tick at base + 1 s waits for the running job: looked at again soon, not at once (no spinning) nor at the tick after.
      const next = await runDueSchedules(backend, store, taskSet, base + 1_000);
      expect(next).toBeGreaterThan(base + 1_000);
      expect(next).toBeLessThan(base + 2_000);
    });

    describe('missed ticks', () => {
      // Due at base, found 5.5 s later: ticks base … base + 5 s are due.
      const later = base + 5_500;
      const due = [0, 1, 2, 3, 4, 5].map((n) => base + n * 1_000);

      it("'all' runs every due tick, oldest dropped beyond maxMissed", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'allow', missed: 'all' });
        expect(await tickAt(backend, 'tick', later)).toMatchObject({ fired: due, skipped: 0 });
        await stored(backend, { every: 1_000, overlap: 'allow', missed: 'all', maxMissed: 2 }, 'bounded');
        expect(await tickAt(backend, 'bounded', later)).toMatchObject({ fired: due.slice(-3), skipped: 3 });
        expect(await scheduleStoreOf(backend).get('bounded')).toMatchObject({ nextRunAt: base + 6_000, lastTickAt: base + 5_000 });
      });

      it("'latest' runs only the latest due tick, however late", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, missed: 'latest' });
        expect(await tickAt(backend, 'tick', later + 3_600_000)).toMatchObject({ fired: [base + 3_605_000], skipped: 3_605 });
        expect(await jobIds(backend)).toEqual(ids('tick', [base + 3_605_000]));
      });

      it("'none' runs the latest due tick only within graceMs, and never the missed ones", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, missed: 'none', graceMs: 1_000 });
        expect(await tickAt(backend, 'tick', later)).toMatchObject({ fired: [base + 5_000], skipped: 5 });
        await stored(backend, { every: 1_000, missed: 'none', graceMs: 100 }, 'strict');
        expect(await tickAt(backend, 'strict', later)).toMatchObject({ fired: [], skipped: 6 });
        expect(await scheduleStoreOf(backend).get('strict')).toMatchObject({ nextRunAt: base + 6_000, lastTickAt: null });
        expect(await jobIds(backend)).toEqual(ids('tick', [base + 5_000]));
      });
    });

    describe('overlap', () => {
      it("'skip' passes over ticks while the previous job is unfinished", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'skip' });
        expect((await tickAt(backend, 'tick', base)).fired).toEqual([base]);
        const lease = await claimOne(backend, { tasks });
        expect(await tickAt(backend, 'tick', base + 1_000)).toMatchObject({ fired: [], skipped: 1 });
        expect(await scheduleStoreOf(backend).get('tick')).toMatchObject({ nextRunAt: base + 2_000, lastTickAt: base });
        await backend.complete(lease, 'done');
        expect((await tickAt(backend, 'tick', base + 2_000)).fired).toEqual([base + 2_000]);
        expect(await jobIds(backend)).toEqual(ids('tick', [base, base + 2_000]));
      });

      it("'skip' with missed 'all' runs only the latest tick of a backlog", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'skip', missed: 'all' });
        expect(await tickAt(backend, 'tick', base + 5_500)).toEqual({ fired: [base + 5_000], skipped: 5, held: false, lost: false });
        expect(await jobIds(backend)).toEqual(ids('tick', [base + 5_000]));
        expect(await scheduleStoreOf(backend).get('tick')).toMatchObject({ nextRunAt: base + 6_000, lastTickAt: base + 5_000 });
      });

      it("'skip' runs the next tick when the previous tick's job was removed", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'skip' });
        await tickAt(backend, 'tick', base);
        expect(await backend.remove(scheduleJobId('tick', base))).toBe(true);
        expect((await tickAt(backend, 'tick', base + 1_000)).fired).toEqual([base + 1_000]);
      });

      it("'queue' holds the tick until the previous job ends, then runs it", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'queue' });
        await tickAt(backend, 'tick', base);
        const lease = await claimOne(backend, { tasks });
        expect(await tickAt(backend, 'tick', base + 1_000)).toMatchObject({ fired: [], held: true });
        expect((await scheduleStoreOf(backend).get('tick'))?.nextRunAt).toBe(base + 1_000);
        await backend.complete(lease, 'done');
        expect((await tickAt(backend, 'tick', base + 1_500)).fired).toEqual([base + 1_000]);
        expect(await jobIds(backend)).toEqual(ids('tick', [base, base + 1_000]));
      });

      it("'queue' with missed 'all' runs the backlog one job at a time", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'queue', missed: 'all' });
        expect((await tickAt(backend, 'tick', base + 2_500)).fired).toEqual([base]);
        expect((await scheduleStoreOf(backend).get('tick'))?.nextRunAt).toBe(base + 1_000);
        await backend.complete(await claimOne(backend, { tasks }), 'done');
        expect((await tickAt(backend, 'tick', base + 2_600)).fired).toEqual([base + 1_000]);
      });

      it("'allow' runs each tick whatever is running", async () => {
        const backend = await makeBackend();
        await stored(backend, { every: 1_000, overlap: 'allow' });
        await tickAt(backend, 'tick', base);
        await claimOne(backend, { tasks });
        expect((await tickAt(backend, 'tick', base + 1_000)).fired).toEqual([base + 1_000]);
      });
    });

    it('pauses and resumes through the queue: a paused schedule does not tick, a resumed one starts at its next tick after now', async () => {
      const backend = await makeBackend();
      let now = base;
      const queue = createQueue({ backend, now: () => now });
      await stored(backend, { every: 1_000, missed: 'all', overlap: 'allow' });
      await queue.pauseSchedule('tick');
      expect((await queue.listSchedules()).map((s) => [s.name, s.paused])).toEqual([['tick', true]]);
      expect(await runDueSchedules(backend, scheduleStoreOf(backend), new Set(tasks), base + 5_000)).toBe(Number.POSITIVE_INFINITY);
      now = base + 5_500;
      await queue.resumeSchedule('tick');
      expect(await scheduleStoreOf(backend).get('tick')).toMatchObject({ paused: false, nextRunAt: base + 6_000 });
      expect(await jobIds(backend)).toEqual([]);
      await expect(queue.pauseSchedule('nope')).rejects.toMatchObject({ code: 'ERRAND_SCHEDULE_NOT_FOUND' });
      await expect(queue.resumeSchedule('nope')).rejects.toMatchObject({ code: 'ERRAND_SCHEDULE_NOT_FOUND' });
    });

    describe('in a worker', () => {
      const workers: Worker[] = [];
      afterEach(async () => {
        await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 1_000 })));
      });

      it('upserts its schedules at start and runs one job per tick (real time, a 100 ms interval)', async () => {
        const backend = await makeBackend();
        const ran: number[] = [];
        const early: string[] = [];
        const counted = defineTask('conformance', {
          handler: (_payload, { jobId }) => {
            ran.push(Date.now());
            // A tick's job is enqueued up to its lead ahead, due at the tick: it never starts before it.
            if (Date.now() < Number(jobId.slice('schedule.fast.'.length))) early.push(jobId);
          },
        });
        const schedule = defineSchedule(counted, { name: 'fast', every: 100, overlap: 'allow', missed: 'all' });
        for (let n = 0; n < 2; n += 1) {
          workers.push(createWorker({ backend, tasks: [counted], schedules: [schedule], pollMs: 25, schedulerPollMs: 50, pruneIntervalMs: 0, logger: quiet }).start());
        }
        await eventually(() => expect(ran.length).toBeGreaterThanOrEqual(5));
        // Each job is a tick's (its id names the tick, a multiple of the interval), and each ran once.
        const jobs = (await backend.list({ task: 'conformance', limit: 1_000 })).jobs;
        expect(jobs.every((job) => /^schedule\.fast\.\d+$/.test(job.id) && Number(job.id.slice('schedule.fast.'.length)) % 100 === 0)).toBe(true);
        await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 5_000 })));
        const succeeded = await backend.list({ task: 'conformance', state: 'succeeded', limit: 1_000 });
        expect(succeeded.total).toBe(ran.length);
        expect(early).toEqual([]);
      });
    });
  });
}
