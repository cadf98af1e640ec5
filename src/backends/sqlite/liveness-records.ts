import { backendUnavailableError } from '../../jobs/backend-errors.js';
import { livenessMigrations } from './migrations/liveness.js';
import { openDatabase } from './open-database.js';
import { sqliteLocation } from './sqlite-location.js';
import type { SqliteDatabase, SqliteDriverName } from './sqlite-driver.js';

/** One worker's liveness record. */
export interface LivenessRow {
  id: string;
  beat_at: number | null;
  alive_until: number;
}

/** The workers' liveness records, as the backend reads them (claims, the dashboard, prune). */
export interface LivenessRecords {
  /** Of the workers `among`, those whose record lapsed by `now` (a worker with no record is not among them). */
  lapsed(now: number, among: readonly string[]): string[];
  /** The records still valid at `now`, by id. */
  alive(now: number): LivenessRow[];
  /** Deletes the records that lapsed by `before`. */
  forget(before: number): void;
  close(): void;
}

/**
 * Where the liveness records of the queue at `path` live: a SQLite file of their own beside it,
 * named like SQLite's own companions of the file (`jobs.db-wal`), so `jobs.db*` covers it. A `file:`
 * URI gives a URI with the same parameters (sqlite-location.ts).
 */
export function livenessPath(path: string): string {
  return sqliteLocation(path).liveness;
}

/** True for the databases no other connection can open: in memory (`:memory:`, `file::memory:`, `?mode=memory`), or SQLite's private temporary file (`''`). */
export function isPrivateDatabase(path: string): boolean {
  return sqliteLocation(path).private;
}

/** Pages of WAL after which a liveness connection checkpoints the file. */
export const livenessCheckpointPages = 64;

/** Size the liveness file's WAL is truncated to when a checkpoint restarts it. */
export const livenessWalLimitBytes = 256 * 1024;

/**
 * Opens the liveness file of the queue at `path` (created and migrated if missing), WAL like the
 * queue. Its write lock is taken only by beats (microseconds each) and by prune, never by the job
 * tables' transactions: that is the point of the separate file. SQLite does not queue lock waiters,
 * and processes busy with the queue could keep a beat from the queue's lock for seconds (3.7 to 6.8 s
 * seen on a loaded machine, past the 3 s a record lives), so a live worker's jobs were taken back.
 */
export function openLivenessDatabase(path: string, busyTimeoutMs: number, driver?: SqliteDriverName): SqliteDatabase {
  const db = openDatabase(livenessPath(path), busyTimeoutMs, driver, livenessMigrations);
  // A table of a few rows, whose every beat appends its two pages to the WAL: checkpointed every 64
  // pages (the default 1,000 left a WAL of 4 MiB for some 2 KiB of records), and truncated back to
  // 256 KiB when a checkpoint restarts it, after a long reader let it grow (the queue's limit of
  // 64 MiB, which openDatabase sets, would let it stay that large).
  db.exec('PRAGMA cache_size = -2000');
  db.exec(`PRAGMA wal_autocheckpoint = ${livenessCheckpointPages}`);
  db.exec(`PRAGMA journal_size_limit = ${livenessWalLimitBytes}`);
  return db;
}

/**
 * The backend's reader of the liveness records of the queue at `path`, on a connection of its own,
 * opened at first use (a process that only enqueues never opens the file). A private database
 * (`:memory:`) has no liveness thread, so no records: it answers empty.
 *
 * Reads never wait for a lock (WAL): a claim asks which of the workers holding running jobs lapsed
 * (lapsed-workers.ts) while it holds the queue's write lock, so it judges by the freshest records,
 * at the time it read with the lock held.
 */
export function createLivenessRecords(path: string, busyTimeoutMs: number, driver?: SqliteDriverName): LivenessRecords {
  if (isPrivateDatabase(path)) return { lapsed: () => [], alive: () => [], forget: () => undefined, close: () => undefined };
  let closed = false;
  let opened: { db: SqliteDatabase; lapsed: (now: number, among: readonly string[]) => string[]; alive: (now: number) => LivenessRow[]; forget: (before: number) => void } | undefined;
  const open = (): NonNullable<typeof opened> => {
    if (opened !== undefined) return opened;
    if (closed) throw backendUnavailableError(`the SQLite queue at ${path} is closed`);
    const db = openLivenessDatabase(path, busyTimeoutMs, driver);
    // By primary key, one lookup per id asked about: as many reads as workers hold running jobs,
    // however many records of dead workers the file keeps.
    const lapsed = db.prepareValue('SELECT id FROM errand_workers WHERE id IN (SELECT value FROM json_each(?)) AND alive_until <= ?');
    const alive = db.prepare('SELECT id, beat_at, alive_until FROM errand_workers WHERE alive_until > ? ORDER BY id');
    const forget = db.prepare('DELETE FROM errand_workers WHERE alive_until <= ?');
    opened = {
      db,
      lapsed: (now, among) => lapsed.all(JSON.stringify(among), now) as string[],
      alive: (now) => alive.all(now) as LivenessRow[],
      forget: (before) => void forget.run(before),
    };
    return opened;
  };
  return {
    lapsed: (now, among) => (among.length === 0 ? [] : open().lapsed(now, among)),
    alive: (now) => open().alive(now),
    forget: (before) => open().forget(before),
    close() {
      closed = true;
      opened?.db.close();
      opened = undefined;
    },
  };
}
