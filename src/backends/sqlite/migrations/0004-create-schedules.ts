/**
 * Schedules: one row per declared schedule. `next_run_at` is the compare-and-set value every node
 * presents to handle a tick; `spec` is the deployed definition (JSON), so all nodes tick from it.
 */
export const sql = `
CREATE TABLE errand_schedules (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  next_run_at INTEGER NOT NULL,
  last_tick_at INTEGER,
  paused INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
`;
