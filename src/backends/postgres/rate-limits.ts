import { rateRetryAt } from '../../jobs/rate-window.js';
import type { PostgresContext } from './postgres-context.js';

/**
 * Makes `takeRateToken`: one UPSERT counts the start in the bucket's current window (a new window
 * resets it) and returns the count. The window is read from the database's clock when the statement
 * runs, not from the caller's `now`: a start waiting for a pooled connection under load is counted in
 * the window in which it is granted, and every machine counts against one clock. The stored window
 * never goes back (the clock is read before the row lock is waited for): a late statement counts in the
 * later window instead of counting it from 1 again.
 */
export function createRateCounter(context: PostgresContext): (bucket: string, limit: number, windowMs: number, now: number) => Promise<number | null> {
  const { query, schema } = context;
  const text = `INSERT INTO ${schema}.rate_limits AS r (bucket, window_index, count)
      VALUES ($1, floor(extract(epoch FROM clock_timestamp()) * 1000 / $2::bigint)::bigint, 1)
    ON CONFLICT (bucket) DO UPDATE SET count = CASE WHEN excluded.window_index > r.window_index THEN 1 ELSE r.count + 1 END, window_index = GREATEST(r.window_index, excluded.window_index)
    RETURNING count, window_index::text AS window_index`;
  return async (bucket, limit, windowMs) => {
    const { rows } = await query<{ count: number; window_index: string }>(text, [bucket, windowMs], `errand-rate-${schema}`);
    const row = rows[0];
    return row === undefined ? null : rateRetryAt(Number(row.count), limit, Number(row.window_index), windowMs);
  };
}
