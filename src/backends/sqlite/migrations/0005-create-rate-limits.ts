/**
 * Rate-limit counters: one row per bucket (a task, or a task and a key), the fixed window it counts
 * and the starts counted in it. A new window resets the count in the same UPSERT.
 */
export const sql = `
CREATE TABLE errand_rate_limits (
  bucket TEXT PRIMARY KEY,
  window_index INTEGER NOT NULL,
  count INTEGER NOT NULL
);
`;
