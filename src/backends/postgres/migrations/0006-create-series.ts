import { durationBoundsMs } from '../../../jobs/job-series.js';

const run = durationBoundsMs.map((_, index) => `r${index}`);
const wait = durationBoundsMs.map((_, index) => `w${index}`);
const counters = ['succeeded', 'failed', 'run_ms', 'wait_ms', ...run, ...wait];
const values = [
  `(v_outcome = 'succeeded')::int`,
  `(v_outcome = 'failed')::int`,
  'v_run',
  'v_wait',
  ...durationBoundsMs.map((bound) => `(v_run <= ${bound})::int`),
  ...durationBoundsMs.map((bound) => `(v_wait <= ${bound})::int`),
];

/**
 * The bounded time series (see `jobs/job-series.ts`), kept by a trigger so every state change that
 * ends an attempt (completion, failure, lease expiry) adds to it in its own transaction; no read ever
 * scans the jobs. One row per minute, task and `shard` (the writing connection's pid modulo 16, so
 * concurrent completions of one task do not all wait on one row); summed when read. A new row
 * deletes rows older than 25 hours, so the table holds at most 16 × 1,500 rows per task.
 * `depth`: one queue depth sample per minute, written by `stats()`. `jobs_key_any`: jobs by
 * dedupe key in every state (the dashboard's search), covering only jobs that have a key. A released attempt (the job
 * queued again with its attempt uncounted) is not a failure.
 */
export const sql = `
CREATE TABLE :schema.series (
  minute bigint NOT NULL,
  task text NOT NULL,
  shard smallint NOT NULL,
${counters.map((column) => `  ${column} bigint NOT NULL DEFAULT 0,`).join('\n')}
  PRIMARY KEY (minute, task, shard)
);
CREATE INDEX jobs_key_any ON :schema.jobs (key, seq) WHERE key IS NOT NULL;
CREATE TABLE :schema.depth (
  minute bigint PRIMARY KEY,
  queued bigint NOT NULL,
  running bigint NOT NULL
);
CREATE FUNCTION :schema.record_attempt() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_outcome text;
  v_run bigint := greatest(0, NEW.updated_at - coalesce(OLD.started_at, NEW.updated_at));
  v_wait bigint := greatest(0, coalesce(OLD.started_at, NEW.updated_at) - OLD.run_at);
  v_minute bigint := NEW.updated_at - NEW.updated_at % 60000;
  v_inserted boolean;
BEGIN
  IF NEW.state = 'succeeded' THEN
    v_outcome := 'succeeded';
  ELSIF NEW.state IN ('retrying', 'dead') OR (NEW.state = 'queued' AND NEW.attempts = OLD.attempts) THEN
    v_outcome := 'failed';
  ELSE
    RETURN NULL;
  END IF;
  INSERT INTO :schema.series AS s (minute, task, shard, ${counters.join(', ')})
    VALUES (v_minute, NEW.task, pg_backend_pid() % 16, ${values.join(', ')})
    ON CONFLICT (minute, task, shard) DO UPDATE SET ${counters.map((column) => `${column} = s.${column} + excluded.${column}`).join(', ')}
    RETURNING (xmax = 0) INTO v_inserted;
  IF v_inserted THEN
    DELETE FROM :schema.series WHERE minute < v_minute - 90000000;
    DELETE FROM :schema.depth WHERE minute < v_minute - 90000000;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER series_attempt AFTER UPDATE OF state ON :schema.jobs
  FOR EACH ROW WHEN (OLD.state = 'running' AND NEW.state <> 'running')
  EXECUTE FUNCTION :schema.record_attempt();
`;
