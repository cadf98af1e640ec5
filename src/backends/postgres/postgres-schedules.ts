import type { ScheduleSpec, ScheduleStore, StoredSchedule } from '../../jobs/schedule-store.js';
import { encodeJson } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';

interface ScheduleRow {
  name: string;
  spec: ScheduleSpec;
  next_run_at: string;
  last_tick_at: string | null;
  paused: boolean;
  updated_at: string;
}

const columns = 'name, spec, next_run_at, last_tick_at, paused, updated_at';

function toSchedule(row: ScheduleRow): StoredSchedule {
  return { name: row.name, spec: row.spec, nextRunAt: Number(row.next_run_at), lastTickAt: row.last_tick_at === null ? null : Number(row.last_tick_at), paused: row.paused, updatedAt: Number(row.updated_at) };
}

/**
 * Schedules in the `schedules` table of the backend's schema. `advance` is one statement: the
 * conditional UPDATE of `next_run_at` and the jobs' INSERT (skipping ids that exist) run in the same
 * snapshot and commit together. Two nodes racing for a tick: the second UPDATE waits for the first
 * to commit, re-checks `next_run_at`, finds it moved and changes nothing, so its INSERT adds nothing.
 */
export function createPostgresScheduleStore(context: PostgresContext, onEnqueued: () => void): ScheduleStore {
  const { query, schema, table, channel } = context;
  const schedules = `${schema}.schedules`;
  return {
    async list() {
      return (await query<ScheduleRow>(`SELECT ${columns} FROM ${schedules} ORDER BY name`, [])).rows.map(toSchedule);
    },
    async get(name) {
      const [row] = (await query<ScheduleRow>(`SELECT ${columns} FROM ${schedules} WHERE name = $1`, [name])).rows;
      return row === undefined ? undefined : toSchedule(row);
    },
    async save(schedule) {
      await query(
        `INSERT INTO ${schedules} (${columns}) VALUES ($1, $2::jsonb, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, next_run_at = excluded.next_run_at, last_tick_at = excluded.last_tick_at, paused = excluded.paused, updated_at = excluded.updated_at`,
        [schedule.name, JSON.stringify(schedule.spec), schedule.nextRunAt, schedule.lastTickAt, schedule.paused, schedule.updatedAt],
      );
    },
    async remove(name) {
      return ((await query(`DELETE FROM ${schedules} WHERE name = $1`, [name])).rowCount ?? 0) === 1;
    },
    async setPaused(name, paused, nextRunAt, now) {
      return ((await query(`UPDATE ${schedules} SET paused = $2, next_run_at = $3, updated_at = $4 WHERE name = $1`, [name, paused, nextRunAt, now])).rowCount ?? 0) === 1;
    },
    async advance(step, jobs) {
      const result = await query<{ moved: string; inserted: string }>(
        `WITH moved AS (
           UPDATE ${schedules} SET next_run_at = $2, last_tick_at = $3, updated_at = $4
           WHERE name = $1 AND next_run_at = $5 AND NOT paused RETURNING name),
         inserted AS (
           INSERT INTO ${table} (id, task, payload, state, priority, run_at, max_attempts, created_at, updated_at, history, group_key)
           SELECT id, task, payload::json, 'queued', priority, run_at, max_attempts, created_at, $4, $11::jsonb, group_key
           FROM unnest($6::text[], $7::text[], $8::text[], $9::int[], $10::bigint[], $12::int[], $13::bigint[], $15::text[]) AS i(id, task, payload, priority, run_at, max_attempts, created_at, group_key)
           WHERE EXISTS (SELECT 1 FROM moved)
           ON CONFLICT (id) DO NOTHING
           RETURNING id)
         SELECT (SELECT count(*) FROM moved)::text AS moved, (SELECT count(*) FROM inserted)::text AS inserted,
                (SELECT pg_notify($14, '') WHERE EXISTS (SELECT 1 FROM inserted))::text AS notified`,
        [
          step.name,
          step.nextRunAt,
          step.lastTickAt,
          step.now,
          step.expectedNextRunAt,
          jobs.map((job) => job.id),
          jobs.map((job) => job.task),
          jobs.map((job) => encodeJson(job.payload)),
          jobs.map((job) => job.priority),
          jobs.map((job) => job.runAt),
          `[{"at":${step.now},"type":"enqueued","message":${JSON.stringify(`schedule ${step.name}`)}}]`,
          jobs.map((job) => job.maxAttempts),
          jobs.map((job) => job.createdAt),
          channel,
          jobs.map((job) => job.group ?? null),
        ],
      );
      const [row] = result.rows;
      if (row !== undefined && Number(row.inserted) > 0) onEnqueued();
      return row?.moved === '1';
    },
  };
}
