import type { JobPage, ListOptions, QueueStats } from '../../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../../jobs/job.js';
import { rowToRecord, type JobRow } from './job-row.js';
import type { SqliteContext } from './sqlite-context.js';

/** The reads behind status routes, the dashboard and metrics. They take no write lock (WAL). */
export interface JobReader {
  get(id: string): JobRecord | undefined;
  list(options?: ListOptions): JobPage;
  stats(): QueueStats;
}

/** The visible state of a row, in SQL (see `visibleState` in job-row.ts). */
const visibleStateSql = `CASE WHEN state = 'queued' AND run_at > @now THEN 'delayed' WHEN state = 'retrying' AND run_at <= @now THEN 'queued' ELSE state END`;

/**
 * Makes the read operations. `list` and `stats` scan the table (no index is kept for them, to keep
 * the hot path's writes cheap); on a queue pruned by retention that is a dashboard-sized cost.
 */
export function createReader(context: SqliteContext): JobReader {
  const { db } = context;
  const byId = db.prepare(`SELECT * FROM errand_jobs WHERE id = ?`);
  const filter = `(@state IS NULL OR ${visibleStateSql} = @state) AND (@task IS NULL OR task = @task)`;
  const page = db.prepare(`SELECT * FROM errand_jobs WHERE ${filter} ORDER BY seq DESC LIMIT @limit OFFSET @offset`);
  const total = db.prepareValue(`SELECT count(*) FROM errand_jobs WHERE ${filter}`);
  const counts = db.prepare(`SELECT task, ${visibleStateSql} AS state, count(*) AS n FROM errand_jobs GROUP BY task, 2`);
  const oldestReady = db
    .prepareValue(`SELECT min(run_at) FROM errand_jobs WHERE state IN ('queued', 'retrying') AND run_at <= @now`);

  return {
    get(id) {
      const row = byId.get(id) as JobRow | undefined;
      return row === undefined ? undefined : rowToRecord(row, context.now());
    },
    list(options = {}) {
      const now = context.now();
      const where = { now, state: options.state ?? null, task: options.task ?? null };
      const rows = page.all({ ...where, limit: options.limit ?? 50, offset: options.offset ?? 0 }) as JobRow[];
      return { jobs: rows.map((row) => rowToRecord(row, now)), total: total.get(where) as number };
    },
    stats() {
      const now = context.now();
      const all = Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
      const byTask: QueueStats['byTask'] = {};
      for (const row of counts.all({ now }) as { task: string; state: JobState; n: number }[]) {
        all[row.state] += row.n;
        const perTask = (byTask[row.task] ??= {});
        perTask[row.state] = (perTask[row.state] ?? 0) + row.n;
      }
      const oldest = oldestReady.get({ now }) as number | null;
      return oldest === null ? { counts: all, byTask } : { counts: all, byTask, oldestQueuedAt: oldest };
    },
  };
}
