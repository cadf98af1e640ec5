/**
 * Worker liveness records, separate from job leases: each worker's liveness thread writes its row
 * every half second, valid for a few seconds (`alive_until`). A running job whose `worker_id` has a
 * row that lapsed belongs to a process that is gone, and is taken back at the next claim however long
 * its lease. A worker without a row (liveness off) is judged by its leases alone.
 */
export const sql = `
CREATE TABLE errand_workers (
  id TEXT PRIMARY KEY,
  alive_until INTEGER NOT NULL
);
CREATE INDEX errand_jobs_worker ON errand_jobs (worker_id) WHERE state = 'running';
`;
