import { rateRetryAt } from '../../jobs/rate-window.js';
import type { PostgresContext } from './postgres-context.js';

/**
 * Makes `takeRateToken`: one UPSERT counts the start in the bucket's current window (a new window
 * resets it) and returns the count. The window is read from the database's clock when the statement
 * runs, not from the caller's `now`: a start waiting for a pooled connection under load is counted in
 * the window in which it is granted, and every machine counts against one clock.
 */
export function createRateCounter(context: PostgresContext): (bucket: string, limit: number, windowMs: number, now: number) => Promise<number | null> {
  const { query, schema } = context;
  const text = `INSERT INTO ${schema}.rate_limits AS r (bucket, window_index, count)
      VALUES ($1, floor(extract(epoch FROM clock_timestamp()) * 1000 / $2::bigint)::bigint, 1)
    ON CONFLICT (bucket) DO UPDATE SET count = CASE WHEN r.window_index = excluded.window_index THEN r.count + 1 ELSE 1 END, window_index = excluded.window_index
    RETURNING count, window_index::text AS window_index`;
  return async (bucket, limit, windowMs) => {
    const { rows } = await query<{ count: number; window_index: string }>(text, [bucket, windowMs], `errand-rate-${schema}`);
    const row = rows[0];
    return row === undefined ? null : rateRetryAt(Number(row.count), limit, Number(row.window_index), windowMs);
  };
}
