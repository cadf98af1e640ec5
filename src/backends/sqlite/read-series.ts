import { durationBoundsMs, minuteOf, seriesRetentionMs, type JobSeries, type TaskMinute, type WorkerInfo } from '../../jobs/job-series.js';
import type { SqliteContext } from './sqlite-context.js';

/** The series reads and the depth sampler of the SQLite backend (tables of migration 5), and the workers' list. */
export interface SeriesStore {
  series(since: number, bucketMs?: number): JobSeries;
  /** Counts the depth and stores it as this minute's sample, unless the minute has one (the workers' once-a-minute sample). */
  recordDepth(): void;
  workers(): WorkerInfo[];
}

type SeriesRow = Record<string, number | string>;

/** Makes the series store. Reads use the primary keys: a day is at most 1,440 rows per task. */
export function createSeriesStore(context: SqliteContext): SeriesStore {
  const { db } = context;
  const counters = ['succeeded', 'failed', 'run_ms', 'wait_ms', ...durationBoundsMs.map((_, i) => `r${i}`), ...durationBoundsMs.map((_, i) => `w${i}`)];
  // Summed in SQL: a day in 15-minute buckets is 96 rows per task, not 1,440.
  const minutes = db.prepare(
    `SELECT minute - minute % @bucket AS minute, task, ${counters.map((c) => `sum(${c}) AS ${c}`).join(', ')}
     FROM errand_series WHERE minute >= @since GROUP BY 1, task ORDER BY 1, task`,
  );
  const depth = db.prepare(`SELECT minute AS at, queued, running FROM errand_depth WHERE minute >= ? ORDER BY minute`);
  const hasDepth = db.prepareValue(`SELECT count(*) FROM errand_depth WHERE minute = ?`);
  // Through the partial indexes of unfinished jobs: finished ones are never read.
  const countDepth = db.prepare(
    `SELECT (SELECT count(*) FROM errand_jobs WHERE state IN ('queued', 'retrying') AND run_at <= @now) AS queued,
       (SELECT count(*) FROM errand_jobs WHERE state = 'running') AS running`,
  );
  const addDepth = db.prepare(`INSERT INTO errand_depth (minute, queued, running) VALUES (?, ?, ?) ON CONFLICT (minute) DO NOTHING`);
  // Series rows prune old depth rows too; this keeps the table bounded while no attempt ends.
  const pruneDepth = db.prepare(`DELETE FROM errand_depth WHERE minute < ?`);
  const runningOf = db.prepare(`SELECT id, worker_id FROM errand_jobs WHERE state = 'running' AND worker_id IN (SELECT value FROM json_each(?))`);

  return {
    series(since, bucketMs = 60_000) {
      const rows = minutes.all({ since, bucket: bucketMs }) as SeriesRow[];
      const toMinute = (row: SeriesRow): TaskMinute => ({
        at: Number(row.minute),
        task: String(row.task),
        succeeded: Number(row.succeeded),
        failed: Number(row.failed),
        run: durationBoundsMs.map((_, index) => Number(row[`r${index}`])),
        runMs: Number(row.run_ms),
        wait: durationBoundsMs.map((_, index) => Number(row[`w${index}`])),
        waitMs: Number(row.wait_ms),
      });
      return { minutes: rows.map(toMinute), depth: depth.all(since) as JobSeries['depth'] };
    },
    recordDepth() {
      const now = context.now();
      const minute = minuteOf(now);
      if (Number(hasDepth.get(minute)) > 0) return;
      const { queued, running } = countDepth.get({ now }) as { queued: number; running: number };
      if (addDepth.run(minute, queued, running).changes > 0) pruneDepth.run(minute - seriesRetentionMs);
    },
    workers() {
      // The records live in their own file (liveness-records.ts): the live ones first, then their jobs.
      const byId = new Map<string, WorkerInfo>();
      for (const row of context.liveness.alive(context.now())) {
        const worker: WorkerInfo = { id: row.id, aliveUntil: row.alive_until, jobs: [] };
        if (row.beat_at !== null) worker.lastBeatAt = row.beat_at;
        byId.set(row.id, worker);
      }
      if (byId.size === 0) return [];
      for (const row of runningOf.all(JSON.stringify([...byId.keys()])) as { id: string; worker_id: string }[]) byId.get(row.worker_id)?.jobs.push(row.id);
      return [...byId.values()];
    },
  };
}
