import type { JobPage, ListOptions, QueueStats } from '../../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../../jobs/job.js';
import { rowToRecord, type JobRow } from './job-row.js';
import type { SqliteContext } from './sqlite-context.js';

/** The reads behind status routes, the dashboard and metrics. They take no write lock (WAL). */
export interface JobReader {
  get(id: string): JobRecord | undefined;
  list(options?: ListOptions): JobPage;
  stats(): QueueStats;
  findByKey(key: string): JobRecord[];
}

/** The visible state of a row, in SQL (see `visibleState` in job-row.ts). */
const visibleStateSql = `CASE WHEN state = 'queued' AND run_at > @now THEN 'delayed' WHEN state = 'retrying' AND run_at <= @now THEN 'queued' ELSE state END`;

/**
 * Makes the read operations. `stats` reads the trigger-kept counts of finished jobs and counts the
 * unfinished ones through their partial indexes, and `list` takes its total from the same counts, so
 * neither scans the finished jobs. A filtered page itself still walks rows newest first until it has
 * enough (no index is kept for it, to keep the hot path's writes cheap).
 */
export function createReader(context: SqliteContext): JobReader {
  const { db } = context;
  const byId = db.prepare(`SELECT * FROM errand_jobs WHERE id = ?`);
  const byKey = db.prepare(`SELECT * FROM errand_jobs WHERE key = ? AND key IS NOT NULL ORDER BY seq DESC LIMIT 50`);
  const filter = `(@state IS NULL OR ${visibleStateSql} = @state) AND (@task IS NULL OR task = @task)`;
  const page = db.prepare(`SELECT * FROM errand_jobs WHERE ${filter} ORDER BY seq DESC LIMIT @limit OFFSET @offset`);
  // Finished jobs are counted by triggers (migration 5); only unfinished ones are counted here, through their partial indexes.
  const finishedCounts = db.prepare(`SELECT task, state, n FROM errand_finished_counts WHERE n > 0`);
  const unfinishedCounts = db.prepare(
    `SELECT task, ${visibleStateSql} AS state, count(*) AS n FROM errand_jobs WHERE state IN ('queued', 'retrying') GROUP BY task, 2
     UNION ALL SELECT task, 'running', count(*) FROM errand_jobs WHERE state = 'running' GROUP BY task`,
  );
  const everything = db.prepareValue(`SELECT count(*) FROM errand_jobs`);
  const oldestReady = db
    .prepareValue(`SELECT min(run_at) FROM errand_jobs WHERE state IN ('queued', 'retrying') AND run_at <= @now`);

  function stats(): QueueStats {
    const now = context.now();
    const all = Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
    const byTask: QueueStats['byTask'] = {};
    const rows = [...finishedCounts.all(), ...unfinishedCounts.all({ now })];
    for (const row of rows as { task: string; state: JobState; n: number }[]) {
      all[row.state] += row.n;
      const perTask = (byTask[row.task] ??= {});
      perTask[row.state] = (perTask[row.state] ?? 0) + row.n;
    }
    const oldest = oldestReady.get({ now }) as number | null;
    return oldest === null ? { counts: all, byTask } : { counts: all, byTask, oldestQueuedAt: oldest };
  }

  /** The number of jobs a filtered list matches, from the counts rather than by counting rows. */
  function filteredTotal(options: ListOptions): number {
    const { counts, byTask } = stats();
    if (options.task === undefined) return options.state === undefined ? 0 : counts[options.state];
    const perTask = byTask[options.task] ?? {};
    if (options.state !== undefined) return perTask[options.state] ?? 0;
    return Object.values(perTask).reduce((sum, n) => sum + n, 0);
  }

  return {
    get(id) {
      const row = byId.get(id) as JobRow | undefined;
      return row === undefined ? undefined : rowToRecord(row, context.now());
    },
    list(options = {}) {
      const now = context.now();
      const where = { now, state: options.state ?? null, task: options.task ?? null };
      const rows = page.all({ ...where, limit: options.limit ?? 50, offset: options.offset ?? 0 }) as JobRow[];
      // Unfiltered, count(*) walks the smallest index instead of every row's state.
      const total = options.state === undefined && options.task === undefined ? (everything.get() as number) : filteredTotal(options);
      return { jobs: rows.map((row) => rowToRecord(row, now)), total };
    },
    stats,
    findByKey(key) {
      const now = context.now();
      return (byKey.all(key) as JobRow[]).map((row) => rowToRecord(row, now));
    },
  };
}
