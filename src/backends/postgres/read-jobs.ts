import type { JobPage, ListOptions, QueueStats } from '../../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../../jobs/job.js';
import { recordColumns, rowToRecord, type JobRow } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';

/** The reads behind status routes, the dashboard and metrics. */
export interface JobReader {
  get: (id: string) => Promise<JobRecord | undefined>;
  list: (options?: ListOptions) => Promise<JobPage>;
  stats: () => Promise<QueueStats>;
  findByKey: (key: string) => Promise<JobRecord[]>;
}

/** The visible state of a row, in SQL (see `visibleState`); `$1` is now. */
const visibleStateSql = `CASE WHEN state = 'queued' AND run_at > $1 THEN 'delayed' WHEN state = 'retrying' AND run_at <= $1 THEN 'queued' ELSE state END`;

/**
 * Makes the read operations. `list` and `stats` scan the table (no index is kept for them, to keep
 * the hot path's writes cheap); on a queue pruned by retention that is a dashboard-sized cost.
 * MVCC readers never block claims or completions.
 */
export function createReader(context: PostgresContext): JobReader {
  const { table, query } = context;
  const filter = `($2::text IS NULL OR ${visibleStateSql} = $2) AND ($3::text IS NULL OR task = $3)`;

  return {
    async get(id) {
      const { rows } = await query<JobRow>(`SELECT ${recordColumns} FROM ${table} WHERE id = $1`, [id], `errand-get-${context.schema}`);
      const [row] = rows;
      return row === undefined ? undefined : rowToRecord(row, context.now());
    },
    async findByKey(key) {
      const { rows } = await query<JobRow>(`SELECT ${recordColumns} FROM ${table} WHERE key = $1 AND key IS NOT NULL ORDER BY seq DESC LIMIT 50`, [key]);
      const now = context.now();
      return rows.map((row) => rowToRecord(row, now));
    },
    async list(options = {}) {
      const now = context.now();
      const where = [now, options.state ?? null, options.task ?? null];
      const page = await query<JobRow>(`SELECT ${recordColumns} FROM ${table} WHERE ${filter} ORDER BY seq DESC LIMIT $4 OFFSET $5`, [...where, options.limit ?? 50, options.offset ?? 0]);
      const total = await query<{ total: string }>(`SELECT count(*) AS total FROM ${table} WHERE ${filter}`, where);
      return { jobs: page.rows.map((row) => rowToRecord(row, now)), total: Number(total.rows[0]?.total ?? 0) };
    },
    async stats() {
      const now = context.now();
      const all = Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
      const byTask: QueueStats['byTask'] = {};
      const counts = await query<{ task: string; state: JobState; n: string }>(`SELECT task, ${visibleStateSql} AS state, count(*) AS n FROM ${table} GROUP BY task, 2`, [now]);
      for (const row of counts.rows) {
        const n = Number(row.n);
        all[row.state] += n;
        const perTask = (byTask[row.task] ??= {});
        perTask[row.state] = (perTask[row.state] ?? 0) + n;
      }
      const oldest = await query<{ oldest: string | null }>(`SELECT min(run_at) AS oldest FROM ${table} WHERE state IN ('queued', 'retrying') AND run_at <= $1`, [now]);
      const at = oldest.rows[0]?.oldest ?? null;
      return at === null ? { counts: all, byTask } : { counts: all, byTask, oldestQueuedAt: Number(at) };
    },
  };
}
