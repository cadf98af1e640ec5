import type { NewJob } from '../../jobs/job.js';
import type { ScheduleStore, StoredSchedule } from '../../jobs/schedule-store.js';

/**
 * Schedules in one process's memory. `advance` checks, stores and enqueues without yielding, so it is
 * one step; `insert` must store its jobs synchronously too (the memory backend's enqueue does).
 */
export function createMemoryScheduleStore(hasJob: (id: string) => boolean, insert: (jobs: readonly NewJob[]) => unknown): ScheduleStore {
  const schedules = new Map<string, StoredSchedule>();
  const copy = (schedule: StoredSchedule): StoredSchedule => structuredClone(schedule);
  return {
    list: () => Promise.resolve([...schedules.values()].map(copy)),
    get(name) {
      const schedule = schedules.get(name);
      return Promise.resolve(schedule === undefined ? undefined : copy(schedule));
    },
    save(schedule) {
      schedules.set(schedule.name, copy(schedule));
      return Promise.resolve();
    },
    remove: (name) => Promise.resolve(schedules.delete(name)),
    setPaused(name, paused, nextRunAt, now) {
      const schedule = schedules.get(name);
      if (schedule === undefined) return Promise.resolve(false);
      Object.assign(schedule, { paused, nextRunAt, updatedAt: now });
      return Promise.resolve(true);
    },
    advance(advance, jobs) {
      const schedule = schedules.get(advance.name);
      if (schedule === undefined || schedule.paused || schedule.nextRunAt !== advance.expectedNextRunAt) return Promise.resolve(false);
      Object.assign(schedule, { nextRunAt: advance.nextRunAt, lastTickAt: advance.lastTickAt, updatedAt: advance.now });
      const fresh = jobs.filter((job) => !hasJob(job.id));
      if (fresh.length > 0) insert(fresh);
      return Promise.resolve(true);
    },
  };
}
