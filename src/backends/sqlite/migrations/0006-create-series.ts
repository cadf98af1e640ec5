import { durationBoundsMs } from '../../../jobs/job-series.js';

const run = durationBoundsMs.map((_, index) => `r${index}`);
const wait = durationBoundsMs.map((_, index) => `w${index}`);
const histogramColumns = [...run, ...wait].map((column) => `  ${column} INTEGER NOT NULL DEFAULT 0,`).join('\n');
const finished = `('succeeded', 'dead', 'cancelled')`;

/** The upsert of one ended attempt into its minute, as a trigger body statement. */
function addAttempt(outcome: 'succeeded' | 'failed'): string {
  // Run time: from the claim to this update; wait time: from when the attempt was due to the claim.
  const runMs = `max(0, new.updated_at - coalesce(old.started_at, new.updated_at))`;
  const waitMs = `max(0, coalesce(old.started_at, new.updated_at) - old.run_at)`;
  const values = [
    ...durationBoundsMs.map((bound) => `(${runMs} <= ${bound})`),
    ...durationBoundsMs.map((bound) => `(${waitMs} <= ${bound})`),
  ];
  const sums = [...run, ...wait, outcome, 'run_ms', 'wait_ms'].map((column) => `${column} = ${column} + excluded.${column}`).join(', ');
  return `INSERT INTO errand_series (minute, task, ${outcome}, run_ms, wait_ms, ${[...run, ...wait].join(', ')})
    VALUES (new.updated_at - new.updated_at % 60000, new.task, 1, ${runMs}, ${waitMs}, ${values.join(', ')})
    ON CONFLICT (minute, task) DO UPDATE SET ${sums};`;
}

/**
 * The bounded time series (see `jobs/job-series.ts`) and the counts of finished jobs, both kept by
 * triggers, so every writer of a state change (completion, failure, lease expiry, in any process)
 * updates them in its own transaction, and no read ever scans the jobs (a released job, queued again
 * with its attempt uncounted, is not a failure):
 * - `errand_series`: one row per minute and task, attempts succeeded and failed and cumulative run
 *   and wait histograms (`r<i>`, `w<i>`: attempts at most `durationBoundsMs[i]`). A new minute's row
 *   deletes rows older than 25 hours, so the table holds at most 1,500 rows per task.
 * - `errand_depth`: one queue depth sample per minute, written by `stats()`.
 * - `errand_finished_counts`: jobs per task in each finished state, so `stats()` counts only the
 *   unfinished jobs (through their partial indexes) however many finished jobs are kept.
 * - `errand_jobs_key_any`: jobs by dedupe key in every state (the dashboard's search), covering
 *   only jobs that have a key.
 */
export const sql = `
CREATE TABLE errand_series (
  minute INTEGER NOT NULL,
  task TEXT NOT NULL,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  run_ms INTEGER NOT NULL DEFAULT 0,
  wait_ms INTEGER NOT NULL DEFAULT 0,
${histogramColumns}
  PRIMARY KEY (minute, task)
) WITHOUT ROWID;
CREATE INDEX errand_jobs_key_any ON errand_jobs (key, seq) WHERE key IS NOT NULL;
CREATE TABLE errand_depth (
  minute INTEGER PRIMARY KEY,
  queued INTEGER NOT NULL,
  running INTEGER NOT NULL
);
CREATE TABLE errand_finished_counts (
  task TEXT NOT NULL,
  state TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (task, state)
) WITHOUT ROWID;
INSERT INTO errand_finished_counts (task, state, n)
  SELECT task, state, count(*) FROM errand_jobs WHERE state IN ${finished} GROUP BY task, state;
CREATE TRIGGER errand_series_succeeded AFTER UPDATE OF state ON errand_jobs
  WHEN old.state = 'running' AND new.state = 'succeeded'
BEGIN
  ${addAttempt('succeeded')}
END;
CREATE TRIGGER errand_series_failed AFTER UPDATE OF state ON errand_jobs
  WHEN old.state = 'running' AND (new.state IN ('retrying', 'dead') OR (new.state = 'queued' AND new.attempts = old.attempts))
BEGIN
  ${addAttempt('failed')}
END;
CREATE TRIGGER errand_series_prune AFTER INSERT ON errand_series
BEGIN
  DELETE FROM errand_series WHERE minute < new.minute - 90000000;
  DELETE FROM errand_depth WHERE minute < new.minute - 90000000;
END;
CREATE TRIGGER errand_finished_counts_insert AFTER INSERT ON errand_jobs
  WHEN new.state IN ${finished}
BEGIN
  INSERT INTO errand_finished_counts (task, state, n) VALUES (new.task, new.state, 1)
    ON CONFLICT (task, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER errand_finished_counts_update AFTER UPDATE OF state ON errand_jobs
  WHEN old.state IS NOT new.state AND (old.state IN ${finished} OR new.state IN ${finished})
BEGIN
  UPDATE errand_finished_counts SET n = n - 1 WHERE old.state IN ${finished} AND task = old.task AND state = old.state;
  INSERT INTO errand_finished_counts (task, state, n) SELECT new.task, new.state, 1 WHERE new.state IN ${finished}
    ON CONFLICT (task, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER errand_finished_counts_delete AFTER DELETE ON errand_jobs
  WHEN old.state IN ${finished}
BEGIN
  UPDATE errand_finished_counts SET n = n - 1 WHERE task = old.task AND state = old.state;
END;
`;
