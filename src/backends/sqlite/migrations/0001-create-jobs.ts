/**
 * The jobs table and its four partial indexes. Each index exists for one query and covers only the
 * rows that query can match, so a finished job costs one small index entry (for pruning), and a
 * claim is an ordered walk of the ready index: O(log n) to the first ready job.
 *
 * `state` stores `queued | retrying | running | succeeded | dead | cancelled`; the contract's
 * `delayed` (queued, runAt in the future) and "retrying whose backoff elapsed is queued" are derived
 * at read time from `run_at`, because a stored state could not change by itself when time passes.
 * `history` holds the timeline as comma-separated JSON objects (no brackets) so the hot paths append
 * an event with a string concatenation instead of parsing JSON.
 */
export const sql = `
CREATE TABLE errand_jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  task TEXT NOT NULL,
  payload TEXT,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  key TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  token TEXT,
  lease_until INTEGER,
  worker_id TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  progress TEXT,
  result TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL,
  history TEXT NOT NULL
);
CREATE INDEX errand_jobs_ready ON errand_jobs (priority, run_at, seq) WHERE state IN ('queued', 'retrying');
CREATE INDEX errand_jobs_lease ON errand_jobs (lease_until) WHERE state = 'running';
CREATE UNIQUE INDEX errand_jobs_key ON errand_jobs (key) WHERE key IS NOT NULL AND state IN ('queued', 'retrying', 'running');
CREATE INDEX errand_jobs_finished ON errand_jobs (finished_at) WHERE state IN ('succeeded', 'dead', 'cancelled');
`;
