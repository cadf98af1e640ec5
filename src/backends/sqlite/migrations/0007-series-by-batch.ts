/**
 * Completions write the time series and the finished counts themselves, once per task and batch in
 * the completion's transaction (`series-writer.ts`), instead of a trigger per completed row: the
 * triggers of migration 6 halved the claim-and-complete rate of a bare backend. Failures, lease
 * expiries, retries, cancellations and deletions keep their triggers (they are rare, and written by
 * several paths).
 */
export const sql = `
DROP TRIGGER errand_series_succeeded;
DROP TRIGGER errand_finished_counts_update;
CREATE TRIGGER errand_finished_counts_update AFTER UPDATE OF state ON errand_jobs
  WHEN old.state IS NOT new.state AND (old.state IN ('succeeded', 'dead', 'cancelled') OR new.state IN ('succeeded', 'dead', 'cancelled'))
    AND NOT (old.state = 'running' AND new.state = 'succeeded')
BEGIN
  UPDATE errand_finished_counts SET n = n - 1 WHERE old.state IN ('succeeded', 'dead', 'cancelled') AND task = old.task AND state = old.state;
  INSERT INTO errand_finished_counts (task, state, n) SELECT new.task, new.state, 1 WHERE new.state IN ('succeeded', 'dead', 'cancelled')
    ON CONFLICT (task, state) DO UPDATE SET n = n + 1;
END;
`;
