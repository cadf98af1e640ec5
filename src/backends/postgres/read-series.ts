import { durationBoundsMs, minuteOf, seriesRetentionMs, type JobSeries, type TaskMinute, type WorkerInfo } from '../../jobs/job-series.js';
import { databaseNowMs, type PostgresContext } from './postgres-context.js';

/** The series reads and the depth sampler of the Postgres backend (tables of migration 5). */
export interface SeriesStore {
  series(since: number, bucketMs?: number): Promise<JobSeries>;
  /** Counts the depth and stores it as this minute's sample unless the minute has one (the workers' once-a-minute sample); one statement. */
  recordDepth(): Promise<void>;
  workers(): Promise<WorkerInfo[]>;
}

const columns = ['succeeded', 'failed', 'run_ms', 'wait_ms', ...durationBoundsMs.map((_, i) => `r${i}`), ...durationBoundsMs.map((_, i) => `w${i}`)];

/** Makes the series store; reads sum the shards of each minute and task. */
export function createSeriesStore(context: PostgresContext): SeriesStore {
  const { query, schema } = context;
  // The counts go through the partial indexes of unfinished jobs, and run only when the minute has no
  // sample yet; a new row prunes rows past the retention (series rows do too, but only while attempts end).
  const recordDepth = `WITH sample AS (
      SELECT (SELECT count(*) FROM ${context.table} WHERE state IN ('queued', 'retrying') AND run_at <= $2::bigint) AS queued,
        (SELECT count(*) FROM ${context.table} WHERE state = 'running') AS running
      WHERE NOT EXISTS (SELECT 1 FROM ${schema}.depth WHERE minute = $1::bigint)
    ), added AS (
      INSERT INTO ${schema}.depth (minute, queued, running) SELECT $1::bigint, queued, running FROM sample ON CONFLICT (minute) DO NOTHING RETURNING minute
    )
    DELETE FROM ${schema}.depth WHERE minute < $1::bigint - ${seriesRetentionMs} AND EXISTS (SELECT 1 FROM added)`;

  return {
    async series(since, bucketMs = 60_000) {
      const minutes = await query<Record<string, string>>(
        `SELECT minute - minute % $2 AS minute, task, ${columns.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')} FROM ${schema}.series WHERE minute >= $1 GROUP BY 1, task ORDER BY 1, task`,
        [since, bucketMs],
      );
      const depth = await query<{ minute: string; queued: string; running: string }>(`SELECT minute, queued, running FROM ${schema}.depth WHERE minute >= $1 ORDER BY minute`, [since]);
      const toMinute = (row: Record<string, string>): TaskMinute => ({
        at: Number(row.minute),
        task: row.task,
        succeeded: Number(row.succeeded),
        failed: Number(row.failed),
        run: durationBoundsMs.map((_, index) => Number(row[`r${index}`])),
        runMs: Number(row.run_ms),
        wait: durationBoundsMs.map((_, index) => Number(row[`w${index}`])),
        waitMs: Number(row.wait_ms),
      });
      return { minutes: minutes.rows.map(toMinute), depth: depth.rows.map((row) => ({ at: Number(row.minute), queued: Number(row.queued), running: Number(row.running) })) };
    },
    async recordDepth() {
      const now = context.now();
      await query(recordDepth, [minuteOf(now), now], `errand-record-depth-${schema}`);
    },
    async workers() {
      const { rows } = await query<{ id: string; beat_at: string | null; alive_until: string; job: string | null }>(
        `SELECT w.id, w.beat_at, w.alive_until, j.id AS job FROM ${context.workers} w LEFT JOIN ${context.table} j ON j.worker_id = w.id AND j.state = 'running'
         WHERE w.alive_until > ${databaseNowMs} ORDER BY w.id`,
        [],
      );
      const byId = new Map<string, WorkerInfo>();
      for (const row of rows) {
        let worker = byId.get(row.id);
        if (worker === undefined) {
          worker = { id: row.id, aliveUntil: Number(row.alive_until), jobs: [] };
          if (row.beat_at !== null) worker.lastBeatAt = Number(row.beat_at);
          byId.set(row.id, worker);
        }
        if (row.job !== null) worker.jobs.push(row.job);
      }
      return [...byId.values()];
    },
  };
}
