import type { Redis } from 'ioredis';
import type { NewJob } from '../../jobs/job.js';
import type { ScheduleStore, StoredSchedule } from '../../jobs/schedule-store.js';

/** A stored record: the schedule, and the jobs of a tick whose advance is stored but whose enqueue may not have happened yet. */
interface ScheduleRecord extends StoredSchedule {
  pending?: NewJob[];
}

/** KEYS: schedules hash. ARGV: name, the record as read, the record to write. 1 when the record was still as read. */
const compareAndSet = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

function withoutPending(record: ScheduleRecord): StoredSchedule {
  const { pending: _pending, ...schedule } = record;
  return schedule;
}

/**
 * Schedules in one Redis hash, name → JSON record. BullMQ adds jobs with its own scripts, so the
 * advance and the enqueue cannot be one script; instead `advance` is a compare-and-set of the whole
 * record that also writes the tick's jobs as `pending`, then enqueues them (BullMQ ignores a job id
 * it already holds) and clears `pending`. A node that died in between leaves `pending` behind: the
 * next `list` (every scheduler round on every node) enqueues those jobs again, which adds them once.
 */
export function createRedisScheduleStore(client: Redis, key: string, enqueue: (jobs: readonly NewJob[]) => Promise<unknown>): ScheduleStore {
  async function swap(name: string, read: string, next: ScheduleRecord): Promise<boolean> {
    return Number(await client.eval(compareAndSet, 1, key, name, read, JSON.stringify(next))) === 1;
  }

  /** Enqueues the pending jobs of a record read as `raw`, then clears them; answers the record as it now is. */
  async function settle(name: string, raw: string): Promise<ScheduleRecord> {
    const record = JSON.parse(raw) as ScheduleRecord;
    if (record.pending === undefined) return record;
    await enqueue(record.pending);
    const settled = withoutPending(record);
    await swap(name, raw, settled);
    return settled;
  }

  async function read(name: string): Promise<StoredSchedule | undefined> {
    const raw = await client.hget(key, name);
    return raw === null ? undefined : withoutPending(await settle(name, raw));
  }

  async function update(name: string, change: (record: ScheduleRecord) => ScheduleRecord | undefined): Promise<boolean> {
    for (;;) {
      const raw = await client.hget(key, name);
      if (raw === null) return false;
      const next = change(JSON.parse(raw) as ScheduleRecord);
      if (next === undefined) return false;
      if (await swap(name, raw, next)) return true;
    }
  }

  return {
    async list() {
      const all = await client.hgetall(key);
      const schedules = await Promise.all(Object.entries(all).map(async ([name, raw]) => withoutPending(await settle(name, raw))));
      return schedules.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    get: read,
    async save(schedule) {
      // A pending tick is enqueued before its record is replaced.
      await read(schedule.name);
      await client.hset(key, schedule.name, JSON.stringify(schedule));
    },
    async remove(name) {
      return (await client.hdel(key, name)) === 1;
    },
    setPaused(name, paused, nextRunAt, now) {
      return update(name, (record) => ({ ...record, paused, nextRunAt, updatedAt: now }));
    },
    async advance(step, jobs) {
      const raw = await client.hget(key, step.name);
      if (raw === null) return false;
      const record = JSON.parse(raw) as ScheduleRecord;
      if (record.paused || record.nextRunAt !== step.expectedNextRunAt) return false;
      const moved: ScheduleRecord = { ...withoutPending(record), nextRunAt: step.nextRunAt, lastTickAt: step.lastTickAt, updatedAt: step.now };
      if (jobs.length === 0) return swap(step.name, raw, moved);
      const withJobs: ScheduleRecord = { ...moved, pending: [...jobs] };
      if (!(await swap(step.name, raw, withJobs))) return false;
      await settle(step.name, JSON.stringify(withJobs));
      return true;
    },
  };
}

/** The store with every call answering within the backend's budget, as its other calls do. */
export function boundedSchedules(store: ScheduleStore, bounded: <T>(what: string, operation: () => Promise<T>) => Promise<T>): ScheduleStore {
  return {
    list: () => bounded('schedules.list', () => store.list()),
    get: (name) => bounded('schedules.get', () => store.get(name)),
    save: (schedule) => bounded('schedules.save', () => store.save(schedule)),
    remove: (name) => bounded('schedules.remove', () => store.remove(name)),
    setPaused: (name, paused, nextRunAt, now) => bounded('schedules.setPaused', () => store.setPaused(name, paused, nextRunAt, now)),
    advance: (step, jobs) => bounded('schedules.advance', () => store.advance(step, jobs)),
  };
}
