import type { ScheduleSpec, ScheduleStore, StoredSchedule } from '../../jobs/schedule-store.js';
import { encodeJson } from './job-row.js';
import type { SqliteContext } from './sqlite-context.js';

interface ScheduleRow {
  name: string;
  spec: string;
  next_run_at: number;
  last_tick_at: number | null;
  paused: number;
  updated_at: number;
}

function toSchedule(row: ScheduleRow): StoredSchedule {
  return { name: row.name, spec: JSON.parse(row.spec) as ScheduleSpec, nextRunAt: Number(row.next_run_at), lastTickAt: row.last_tick_at === null ? null : Number(row.last_tick_at), paused: row.paused === 1, updatedAt: Number(row.updated_at) };
}

/**
 * Schedules in the `errand_schedules` table. `advance` is one IMMEDIATE transaction: the conditional
 * UPDATE of `next_run_at` and the jobs' INSERT OR IGNORE (by id) commit together or not at all, so
 * of the processes racing for a tick exactly one moves it and its job exists exactly once.
 */
export function createSqliteScheduleStore(context: SqliteContext, run: <T>(operation: () => T) => Promise<T>): ScheduleStore {
  const { db } = context;
  const columns = 'name, spec, next_run_at, last_tick_at, paused, updated_at';
  const selectAll = db.prepare(`SELECT ${columns} FROM errand_schedules ORDER BY name`);
  const selectOne = db.prepare(`SELECT ${columns} FROM errand_schedules WHERE name = ?`);
  const upsert = db.prepare(
    `INSERT INTO errand_schedules (${columns}) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, next_run_at = excluded.next_run_at, last_tick_at = excluded.last_tick_at, paused = excluded.paused, updated_at = excluded.updated_at`,
  );
  const deleteOne = db.prepare('DELETE FROM errand_schedules WHERE name = ?');
  const pause = db.prepare('UPDATE errand_schedules SET paused = ?, next_run_at = ?, updated_at = ? WHERE name = ?');
  const move = db.prepare('UPDATE errand_schedules SET next_run_at = ?, last_tick_at = ?, updated_at = ? WHERE name = ? AND next_run_at = ? AND paused = 0');
  const insertJob = db.prepare(
    `INSERT OR IGNORE INTO errand_jobs (id, task, payload, state, priority, run_at, key, max_attempts, created_at, updated_at, history, group_key)
     VALUES (?, ?, ?, 'queued', ?, ?, NULL, ?, ?, ?, ?, ?)`,
  );
  const advance = db.immediate((step: Parameters<ScheduleStore['advance']>[0], jobs: Parameters<ScheduleStore['advance']>[1]): boolean => {
    if (move.run(step.nextRunAt, step.lastTickAt, step.now, step.name, step.expectedNextRunAt).changes !== 1) return false;
    for (const job of jobs) insertJob.run(job.id, job.task, encodeJson(job.payload), job.priority, job.runAt, job.maxAttempts, job.createdAt, step.now, `{"at":${step.now},"type":"enqueued","message":"schedule ${step.name}"}`, job.group ?? null);
    return true;
  });
  return {
    list: () => run(() => (selectAll.all() as ScheduleRow[]).map(toSchedule)),
    get: (name) => run(() => {
      const row = selectOne.get(name) as ScheduleRow | undefined;
      return row === undefined ? undefined : toSchedule(row);
    }),
    save: (schedule) => run(() => void upsert.run(schedule.name, JSON.stringify(schedule.spec), schedule.nextRunAt, schedule.lastTickAt, schedule.paused ? 1 : 0, schedule.updatedAt)),
    remove: (name) => run(() => deleteOne.run(name).changes === 1),
    setPaused: (name, paused, nextRunAt, now) => run(() => pause.run(paused ? 1 : 0, nextRunAt, now, name).changes === 1),
    advance: (step, jobs) =>
      run(() => {
        const won = advance(step, jobs);
        if (won && jobs.length > 0) context.notify();
        return won;
      }),
  };
}
