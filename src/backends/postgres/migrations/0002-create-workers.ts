/**
 * Worker liveness records, separate from job leases (as on SQLite, its migration 0002): each
 * worker's liveness thread writes its row every half second, valid for a few seconds. A running job
 * whose `worker_id` has a row that lapsed belongs to a process that is gone, and is taken back at
 * the next claim however long its lease. A worker without a row (liveness off) is judged by its
 * leases alone.
 *
 * `alive_until` is epoch ms on the database's clock (written and compared with
 * `statement_timestamp()`), not the workers': a record is read on other machines within seconds of
 * being written, and their clocks may disagree by more than that.
 */
export const sql = `
CREATE TABLE :schema.workers (
  id text PRIMARY KEY,
  alive_until bigint NOT NULL
);
CREATE INDEX jobs_worker ON :schema.jobs (worker_id) WHERE state = 'running';
`;
