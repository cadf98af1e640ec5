import type { JobPage, ListOptions, QueueStats } from '../../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../../jobs/job.js';
import { recordColumns, rowToRecord, type JobRow } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';
import { unstorableText } from './unstorable-text.js';

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
 * Makes the read operations. `stats` sums the counts of finished jobs kept by migration 10 and counts
 * the unfinished ones through their partial indexes (`jobs_ready`, `jobs_lease`), and `list` takes its
 * total from the same counts, so neither scans the finished jobs. A page itself walks the primary key
 * newest first until it has enough rows (no index is kept per filter, to keep the hot path's writes
 * cheap): instant unfiltered, slower for a filter that matches only a few old jobs among many.
 * MVCC readers never block claims or completions.
 */
export function createReader(context: PostgresContext): JobReader {
  const { table, query, schema } = context;
  const filter = `($2::text IS NULL OR ${visibleStateSql} = $2) AND ($3::text IS NULL OR task = $3)`;
  const counts = `SELECT task, state, sum(n)::bigint AS n FROM ${schema}.finished_counts GROUP BY task, state HAVING sum(n) <> 0
    UNION ALL SELECT task, ${visibleStateSql}, count(*) FROM ${table} WHERE state IN ('queued', 'retrying') GROUP BY task, 2
    UNION ALL SELECT task, 'running', count(*) FROM ${table} WHERE state = 'running' GROUP BY task`;

  async function stats(): Promise<QueueStats> {
    const now = context.now();
    const all = Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
    const byTask: QueueStats['byTask'] = {};
    const { rows } = await query<{ task: string; state: JobState; n: string }>(counts, [now], `errand-stats-${schema}`);
    for (const row of rows) {
      const n = Number(row.n);
      all[row.state] += n;
      const perTask = (byTask[row.task] ??= {});
      perTask[row.state] = (perTask[row.state] ?? 0) + n;
    }
    const oldest = await query<{ oldest: string | null }>(`SELECT min(run_at) AS oldest FROM ${table} WHERE state IN ('queued', 'retrying') AND run_at <= $1`, [now], `errand-oldest-${schema}`);
    const at = oldest.rows[0]?.oldest ?? null;
    return at === null ? { counts: all, byTask } : { counts: all, byTask, oldestQueuedAt: Number(at) };
  }

  /** The number of jobs a list matches, from the counts rather than by counting rows. */
  async function totalOf(options: ListOptions): Promise<number> {
    const { counts: all, byTask } = await stats();
    const perTask = options.task === undefined ? all : byTask[options.task] ?? {};
    if (options.state !== undefined) return perTask[options.state] ?? 0;
    return Object.values(perTask).reduce((sum, n) => sum + n, 0);
  }

  return {
    async get(id) {
      if (unstorableText(id)) return undefined;
      const { rows } = await query<JobRow>(`SELECT ${recordColumns} FROM ${table} WHERE id = $1`, [id], `errand-get-${context.schema}`);
      const [row] = rows;
      return row === undefined ? undefined : rowToRecord(row, context.now());
    },
    async findByKey(key) {
      if (unstorableText(key)) return [];
      // Through jobs_key_any (migration 6): only jobs that have a key are in it.
      const { rows } = await query<JobRow>(`SELECT ${recordColumns} FROM ${table} WHERE key = $1 AND key IS NOT NULL ORDER BY seq DESC LIMIT 50`, [key]);
      const now = context.now();
      return rows.map((row) => rowToRecord(row, now));
    },
    async list(options = {}) {
      if (options.task !== undefined && unstorableText(options.task)) return { jobs: [], total: 0 };
      const now = context.now();
      const where = [now, options.state ?? null, options.task ?? null];
      const page = await query<JobRow>(`SELECT ${recordColumns} FROM ${table} WHERE ${filter} ORDER BY seq DESC LIMIT $4 OFFSET $5`, [...where, options.limit ?? 50, options.offset ?? 0]);
      return { jobs: page.rows.map((row) => rowToRecord(row, now)), total: await totalOf(options) };
    },
    stats,
  };
}
