import { rateRetryAt } from '../../jobs/rate-window.js';
import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes `takeRateToken`: one UPSERT counts the start in the bucket's current window (resetting the
 * count when the window moved on) and returns the count, atomically across processes on the file.
 */
export function createRateCounter(context: SqliteContext): (bucket: string, limit: number, windowMs: number, now: number) => number | null {
  const count = context.db.prepareValue(
    `INSERT INTO errand_rate_limits (bucket, window_index, count) VALUES (?, ?, 1)
     ON CONFLICT (bucket) DO UPDATE SET
       count = CASE WHEN errand_rate_limits.window_index = excluded.window_index THEN errand_rate_limits.count + 1 ELSE 1 END,
       window_index = excluded.window_index
     RETURNING count`,
  );
  return (bucket, limit, windowMs, now) => {
    const window = Math.floor(now / windowMs);
    return rateRetryAt(Number(count.get(bucket, window)), limit, window, windowMs);
  };
}
