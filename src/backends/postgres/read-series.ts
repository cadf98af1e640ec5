import { durationBoundsMs, minuteOf, type JobSeries, type TaskMinute, type WorkerInfo } from '../../jobs/job-series.js';
import { databaseNowMs, type PostgresContext } from './postgres-context.js';

/** The series reads and the depth sampler of the Postgres backend (tables of migration 5). */
export interface SeriesStore {
  series(since: number, bucketMs?: number): Promise<JobSeries>;
  /** Stores the depth seen by `stats()` as this minute's sample; at most one write per minute and value per process. */
  sampleDepth(queued: number, running: number): Promise<void>;
  workers(): Promise<WorkerInfo[]>;
}

const columns = ['succeeded', 'failed', 'run_ms', 'wait_ms', ...durationBoundsMs.map((_, i) => `r${i}`), ...durationBoundsMs.map((_, i) => `w${i}`)];

/** Makes the series store; reads sum the shards of each minute and task. */
export function createSeriesStore(context: PostgresContext): SeriesStore {
  const { query, schema } = context;
  let sampled = '';

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
    async sampleDepth(queued, running) {
      const minute = minuteOf(context.now());
      const key = `${minute}/${queued}/${running}`;
      if (key === sampled) return;
      sampled = key;
      await query(`INSERT INTO ${schema}.depth (minute, queued, running) VALUES ($1, $2, $3) ON CONFLICT (minute) DO UPDATE SET queued = excluded.queued, running = excluded.running`, [minute, queued, running]);
    },
    async workers() {
      const { rows } = await query<{ id: string; alive_until: string; job: string | null }>(
        `SELECT w.id, w.alive_until, j.id AS job FROM ${context.workers} w LEFT JOIN ${context.table} j ON j.worker_id = w.id AND j.state = 'running'
         WHERE w.alive_until > ${databaseNowMs} ORDER BY w.id`,
        [],
      );
      const byId = new Map<string, WorkerInfo>();
      for (const row of rows) {
        let worker = byId.get(row.id);
        if (worker === undefined) byId.set(row.id, (worker = { id: row.id, aliveUntil: Number(row.alive_until), jobs: [] }));
        if (row.job !== null) worker.jobs.push(row.job);
      }
      return [...byId.values()];
    },
  };
}
