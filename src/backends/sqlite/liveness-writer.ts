import type { LivenessWriter } from '../../jobs/backend.js';
import { openLivenessDatabase } from './liveness-records.js';
import type { SqliteDriverName } from './sqlite-driver.js';

/** What the liveness thread needs to open the queue's liveness file. */
export interface SqliteLivenessConfig {
  /** The queue file (absolute); the records live beside it, in `<path>-liveness`. */
  path: string;
  busyTimeoutMs: number;
  /** The driver the backend itself uses (undefined: the same default choice). */
  driver?: SqliteDriverName;
}

/**
 * The SQLite side of worker liveness, run in a worker's liveness thread on a connection of its own:
 * upserts the worker's row in `errand_workers` of the liveness file beside the queue
 * (liveness-records.ts): the time of this beat and the time the record lapses. That file's write
 * lock is shared only with other beats, so a beat never waits behind the queue's transactions.
 *
 * @example
 * const writer = createLivenessWriter({ path: 'data/jobs.db', busyTimeoutMs: 1000 })
 * writer.beat('host:123:ab12cd34', 3_000)
 */
export function createLivenessWriter(config: unknown): LivenessWriter {
  const { path, busyTimeoutMs, driver } = config as SqliteLivenessConfig;
  const db = openLivenessDatabase(path, busyTimeoutMs, driver);
  const upsert = db.prepare(
    'INSERT INTO errand_workers (id, beat_at, alive_until) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, alive_until = excluded.alive_until',
  );
  const remove = db.prepare('DELETE FROM errand_workers WHERE id = ?');
  // The clock is read once the write lock is held (`BEGIN IMMEDIATE`), not before waiting for it: a
  // beat that waited behind another would store a record that lapses that much sooner.
  const beat = db.immediate((workerId: string, ttlMs: number) => {
    const now = Date.now();
    upsert.run(workerId, now, now + ttlMs);
  });
  return {
    beat,
    forget(workerId) {
      remove.run(workerId);
    },
    close() {
      db.close();
    },
  };
}
