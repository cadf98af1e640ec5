import { rateRetryAt } from '../../jobs/rate-window.js';
import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes `takeRateToken`: one UPSERT counts the start in the bucket's current window (resetting the
 * count when the window moved on) and returns the count, atomically across processes on the file.
 * The stored window never goes back: a process whose clock reading is already behind the window
 * another process has counted in (read before it was descheduled, under load) counts in that later
 * window. Resetting to its older window instead would let the later window be counted from 1 a
 * second time, granting up to twice the limit in it (measured: 199 starts in a 1 s window under a
 * limit of 100, four processes at load 37).
 */
export function createRateCounter(context: SqliteContext): (bucket: string, limit: number, windowMs: number, now: number) => number | null {
  const count = context.db.prepare(
    `INSERT INTO errand_rate_limits (bucket, window_index, count) VALUES (?, ?, 1)
     ON CONFLICT (bucket) DO UPDATE SET
       count = CASE WHEN excluded.window_index > errand_rate_limits.window_index THEN 1 ELSE errand_rate_limits.count + 1 END,
       window_index = MAX(errand_rate_limits.window_index, excluded.window_index)
     RETURNING count, window_index`,
  );
  return (bucket, limit, windowMs, now) => {
    const row = count.get(bucket, Math.floor(now / windowMs)) as { count: number | bigint; window_index: number | bigint } | undefined;
    if (row === undefined) throw new Error('errand: the rate-limit UPSERT returned no row');
    return rateRetryAt(Number(row.count), limit, Number(row.window_index), windowMs);
  };
}
