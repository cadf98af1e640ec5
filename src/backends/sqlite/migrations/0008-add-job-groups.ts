/**
 * Fair queues: a job's group (`group_key`, NULL for ungrouped tasks), two partial indexes that cover
 * grouped rows only (so ungrouped jobs pay nothing: no index entry, and the claim of ungrouped tasks
 * is the same walk of the ready index), and each group's last-served stamp, the turn order of claims.
 *
 * `errand_jobs_group_ready` serves the three reads of a fair claim: the distinct groups with
 * ready rows (a skip scan: one probe per group), each group's first ready jobs in queue order, and
 * nothing else. `errand_jobs_group_running` counts a group's running jobs against its concurrency.
 */
export const sql = `
ALTER TABLE errand_jobs ADD COLUMN group_key TEXT;
CREATE INDEX errand_jobs_group_ready ON errand_jobs (task, group_key, priority, run_at, seq) WHERE state IN ('queued', 'retrying') AND group_key IS NOT NULL;
CREATE INDEX errand_jobs_group_running ON errand_jobs (task, group_key) WHERE state = 'running' AND group_key IS NOT NULL;
CREATE TABLE errand_job_groups (
  task TEXT NOT NULL,
  group_key TEXT NOT NULL,
  served INTEGER NOT NULL,
  PRIMARY KEY (task, group_key)
) WITHOUT ROWID;
`;
