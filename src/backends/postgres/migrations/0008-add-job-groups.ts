/**
 * Fair queues, as on SQLite (see its migration 0008): a job's group, two partial indexes over
 * grouped rows only (ungrouped jobs get no entry in them), and each group's last-served stamp.
 */
export const sql = `
ALTER TABLE :schema.jobs ADD COLUMN group_key text;
CREATE INDEX jobs_group_ready ON :schema.jobs (task, group_key, priority, run_at, seq) WHERE state IN ('queued', 'retrying') AND group_key IS NOT NULL;
CREATE INDEX jobs_group_running ON :schema.jobs (task, group_key) WHERE state = 'running' AND group_key IS NOT NULL;
CREATE TABLE :schema.job_groups (
  task text NOT NULL,
  group_key text NOT NULL,
  served bigint NOT NULL,
  PRIMARY KEY (task, group_key)
);
`;
