import { addAttempt, durationBoundsMs, emptyMinute, minuteOf, type TaskMinute } from '../../jobs/job-series.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/** What a completed row tells the series (the completion's `RETURNING`). */
export interface CompletedRow {
  task: string;
  started_at: number | null;
  run_at: number;
}

/** Adds a batch of completions to the series and the finished counts; call inside the completion's transaction. */
export type SucceededWriter = (rows: readonly CompletedRow[], now: number) => void;

/**
 * Makes the writer completions use (migration 7): one series upsert and one finished-count upsert
 * per task of a batch, however many jobs it completed, in the completion's own transaction.
 */
export function createSucceededWriter(db: SqliteDatabase): SucceededWriter {
  const columns = ['succeeded', 'run_ms', 'wait_ms', ...durationBoundsMs.map((_, i) => `r${i}`), ...durationBoundsMs.map((_, i) => `w${i}`)];
  const upsertSeries = db.prepare(
    `INSERT INTO errand_series (minute, task, ${columns.join(', ')}) VALUES (?, ?, ${columns.map(() => '?').join(', ')})
     ON CONFLICT (minute, task) DO UPDATE SET ${columns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
  );
  const upsertCount = db.prepare(
    `INSERT INTO errand_finished_counts (task, state, n) VALUES (?, 'succeeded', ?) ON CONFLICT (task, state) DO UPDATE SET n = n + excluded.n`,
  );
  return function addSucceeded(rows, now) {
    if (rows.length === 0) return;
    const minute = minuteOf(now);
    const byTask = new Map<string, TaskMinute>();
    for (const row of rows) {
      let entry = byTask.get(row.task);
      if (entry === undefined) byTask.set(row.task, (entry = emptyMinute(minute, row.task)));
      const started = row.started_at ?? now;
      addAttempt(entry, 'succeeded', now - started, started - row.run_at);
    }
    for (const entry of byTask.values()) {
      upsertSeries.run(minute, entry.task, entry.succeeded, entry.runMs, entry.waitMs, ...entry.run, ...entry.wait);
      upsertCount.run(entry.task, entry.succeeded);
    }
  };
}
