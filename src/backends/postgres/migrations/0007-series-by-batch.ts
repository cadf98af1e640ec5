/**
 * Completions add to the time series themselves, once per task and batch in the completion's own
 * statement (`complete-jobs.ts`), instead of the trigger of migration 6 firing per completed row.
 * Failures and lease expiries keep the trigger.
 */
export const sql = `
DROP TRIGGER series_attempt ON :schema.jobs;
CREATE TRIGGER series_attempt AFTER UPDATE OF state ON :schema.jobs
  FOR EACH ROW WHEN (OLD.state = 'running' AND NEW.state NOT IN ('running', 'succeeded'))
  EXECUTE FUNCTION :schema.record_attempt();
`;
