/** Rate-limit counters, as on SQLite (see its migration 0005): a bucket's current window and its count. */
export const sql = `
CREATE TABLE :schema.rate_limits (
  bucket text PRIMARY KEY,
  window_index bigint NOT NULL,
  count integer NOT NULL
);
`;
