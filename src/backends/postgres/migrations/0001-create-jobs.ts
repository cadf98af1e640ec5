/**
 * The jobs table and its four partial indexes, as on SQLite (see its first migration): each index
 * covers only the rows its one query can match. `:schema` is replaced by the quoted schema name.
 *
 * Times are epoch milliseconds (bigint) taken from the workers' clocks, as on the other backends.
 * `state` stores `queued | retrying | running | succeeded | dead | cancelled`; `delayed` is derived
 * from `run_at` when reading. `history` is a jsonb array the hot paths append to with `||`.
 * Payloads and results are `json` (kept as written, not re-ordered like jsonb).
 */
export const sql = `
CREATE TABLE :schema.jobs (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  task text NOT NULL,
  payload json,
  state text NOT NULL,
  priority integer NOT NULL,
  run_at bigint NOT NULL,
  key text,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  token text,
  lease_until bigint,
  worker_id text,
  cancel_requested boolean NOT NULL DEFAULT false,
  progress json,
  result json,
  error json,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint,
  updated_at bigint NOT NULL,
  history jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX jobs_ready ON :schema.jobs (priority, run_at, seq) WHERE state IN ('queued', 'retrying');
CREATE INDEX jobs_lease ON :schema.jobs (lease_until) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_key ON :schema.jobs (key) WHERE key IS NOT NULL AND state IN ('queued', 'retrying', 'running');
CREATE INDEX jobs_finished ON :schema.jobs (finished_at) WHERE state IN ('succeeded', 'dead', 'cancelled');
`;
