/**
 * Schedules: one row per declared schedule, as on SQLite (see its migration 0004). `next_run_at` is
 * the compare-and-set value every node presents to handle a tick; `spec` is the deployed definition.
 */
export const sql = `
CREATE TABLE :schema.schedules (
  name text PRIMARY KEY,
  spec jsonb NOT NULL,
  next_run_at bigint NOT NULL,
  last_tick_at bigint,
  paused boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL
);
`;
