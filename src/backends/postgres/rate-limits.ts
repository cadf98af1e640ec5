import type { PostgresContext } from './postgres-context.js';

/** Makes `takeRateToken`: one UPSERT counts the start in the bucket's current window (a new window resets it) and returns the count. */
export function createRateCounter(context: PostgresContext): (bucket: string, limit: number, windowMs: number, now: number) => Promise<number | null> {
  const { query, schema } = context;
  const text = `INSERT INTO ${schema}.rate_limits AS r (bucket, window_index, count) VALUES ($1, $2, 1)
    ON CONFLICT (bucket) DO UPDATE SET count = CASE WHEN r.window_index = excluded.window_index THEN r.count + 1 ELSE 1 END, window_index = excluded.window_index
    RETURNING count`;
  return async (bucket, limit, windowMs, now) => {
    const window = Math.floor(now / windowMs);
    const { rows } = await query<{ count: number }>(text, [bucket, window], `errand-rate-${schema}`);
    return Number(rows[0]?.count ?? 0) <= limit ? null : (window + 1) * windowMs;
  };
}
