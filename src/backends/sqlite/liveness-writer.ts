import type { LivenessWriter } from '../../jobs/backend.js';
import { openDatabase } from './open-database.js';
import type { SqliteDriverName } from './sqlite-driver.js';

/** What the liveness thread needs to open the queue file. */
export interface SqliteLivenessConfig {
  path: string;
  busyTimeoutMs: number;
  /** The driver the backend itself uses (undefined: the same default choice). */
  driver?: SqliteDriverName;
}

/**
 * The SQLite side of worker liveness, run in a worker's liveness thread on a connection of its own:
 * upserts the worker's row in `errand_workers` (migrations 0002 and 0009): the time of this beat
 * and the time the record lapses.
 *
 * @example
 * const writer = createLivenessWriter({ path: 'data/jobs.db', busyTimeoutMs: 1000 })
 * writer.beat('host:123:ab12cd34', 3_000)
 */
export function createLivenessWriter(config: unknown): LivenessWriter {
  const { path, busyTimeoutMs, driver } = config as SqliteLivenessConfig;
  const db = openDatabase(path, busyTimeoutMs, driver);
  const upsert = db.prepare(
    'INSERT INTO errand_workers (id, beat_at, alive_until) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, alive_until = excluded.alive_until',
  );
  const remove = db.prepare('DELETE FROM errand_workers WHERE id = ?');
  return {
    beat(workerId, ttlMs) {
      const now = Date.now();
      upsert.run(workerId, now, now + ttlMs);
    },
    forget(workerId) {
      remove.run(workerId);
    },
    close() {
      db.close();
    },
  };
}
