import type { Migration } from './index.js';

/**
 * The schema of the liveness file (`<queue>-liveness`, see liveness-records.ts), numbered on its own
 * from 1 like the queue's. Each worker's liveness thread upserts its row every half second: the time
 * of the beat (`beat_at`) and when the record lapses (`alive_until`). A running job whose
 * `worker_id` has a row that lapsed belongs to a process that is gone. The index serves the claim's
 * question "which workers lapsed?", asked at every claim and every poll of a waiting one.
 */
const createWorkers = `
CREATE TABLE errand_workers (
  id TEXT PRIMARY KEY,
  beat_at INTEGER,
  alive_until INTEGER NOT NULL
);
CREATE INDEX errand_workers_alive_until ON errand_workers (alive_until);
`;

/** Every migration of the liveness file, in order; never edit an old one. */
export const livenessMigrations: readonly Migration[] = [{ version: 1, name: 'create-workers', sql: createWorkers }];
