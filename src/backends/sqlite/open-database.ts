import Database from 'better-sqlite3';
import { ErrandError } from '../../errors/errand-error.js';
import { migrate } from './migrate.js';

/**
 * Opens (creating if needed) the queue database with the settings every process sharing the file
 * must agree on, and migrates it.
 *
 * - `busy_timeout` first: the pragmas and migrations below may meet another process's write lock.
 * - WAL: readers (dashboards, status routes) never block the writer, and commits are appends.
 * - `synchronous = NORMAL`: in WAL mode a commit is durable against a process crash (kill -9) but
 *   the last transactions may roll back on power loss; that is the usual trade for a job queue
 *   (at-least-once delivery covers it) and removes an fsync per commit.
 * - A 32 MiB page cache and a larger checkpoint interval (see below).
 */
export function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new ErrandError('ERRAND_BACKEND_UNAVAILABLE', `cannot open the SQLite queue at ${path}: ${String(error)}`, { cause: error });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The default 2 MiB page cache holds only a few thousand jobs; past that, every claim and
    // completion re-reads index pages from the OS. 32 MiB per connection keeps a large backlog hot.
    db.pragma('cache_size = -32768');
    // Checkpoint every ~40 MiB of WAL instead of 4 MiB: a checkpoint copies pages back and fsyncs
    // the file, and one-by-one enqueues (three pages per commit) hit the default every ~330 jobs.
    // Hot pages written many times between checkpoints are copied once. The size limit truncates a
    // WAL that a long reader let grow far past that, once it is checkpointed.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
