import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrandError } from '../../errors/errand-error.js';
import { loadBetterSqlite3 } from './better-sqlite3-driver.js';
import { migrate } from './migrate.js';
import { migrations as queueMigrations, type Migration } from './migrations/index.js';
import { loadNodeSqlite } from './node-sqlite-driver.js';
import type { SqliteDatabase, SqliteDriverName } from './sqlite-driver.js';

/**
 * Opens (creating if needed) the queue database with the settings every process sharing the file
 * must agree on, and migrates it (to `migrations`: the queue's, or the liveness file's).
 *
 * - `busy_timeout` first: the pragmas and migrations below may meet another process's write lock.
 * - WAL: readers (dashboards, status routes) never block the writer, and commits are appends.
 * - `synchronous = NORMAL`: in WAL mode a commit is durable against a process crash (kill -9) but
 *   the last transactions may roll back on power loss; that is the usual trade for a job queue
 *   (at-least-once delivery covers it) and removes an fsync per commit.
 * - A 32 MiB page cache and a larger checkpoint interval (see below).
 */
export function openDatabase(path: string, busyTimeoutMs: number, driver?: SqliteDriverName, migrations: readonly Migration[] = queueMigrations): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    db = openWithDriver(path, busyTimeoutMs, driver);
  } catch (error) {
    if (error instanceof ErrandError) throw error;
    throw new ErrandError('ERRAND_BACKEND_UNAVAILABLE', `cannot open the SQLite queue at ${path}: ${String(error)}${missingFolderHint(path)}`, { cause: error });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    // The default 2 MiB page cache holds only a few thousand jobs; past that, every claim and
    // completion re-reads index pages from the OS. 32 MiB per connection keeps a large backlog hot.
    db.exec('PRAGMA cache_size = -32768');
    // Checkpoint every ~40 MiB of WAL instead of 4 MiB: a checkpoint copies pages back and fsyncs
    // the file, and one-by-one enqueues (three pages per commit) hit the default every ~330 jobs.
    // Hot pages written many times between checkpoints are copied once. The size limit truncates a
    // WAL that a long reader let grow far past that, once it is checkpointed.
    db.exec('PRAGMA wal_autocheckpoint = 10000');
    db.exec('PRAGMA journal_size_limit = 67108864');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * SQLite creates the file but not its folder: a first run with `path: './data/errand.db'` in a
 * fresh project fails there, so the message says which folder to create.
 */
function missingFolderHint(path: string): string {
  if (path === ':memory:' || path === '' || path.startsWith('file:')) return '';
  const folder = dirname(resolve(path));
  return existsSync(folder) ? '' : `; the folder ${folder} does not exist: create it first (mkdir -p, or fs.mkdirSync(folder, { recursive: true }))`;
}

/**
 * The driver asked for, else better-sqlite3 when it is installed, else Node's built-in node:sqlite
 * (Node 22.13 and later). A better-sqlite3 that is installed but whose native binary does not load
 * is an error, not a silent switch: the user chose it.
 */
function openWithDriver(path: string, busyTimeoutMs: number, driver: SqliteDriverName | undefined): SqliteDatabase {
  if (driver !== 'node:sqlite') {
    const betterSqlite3 = loadBetterSqlite3();
    if (typeof betterSqlite3 === 'function') return betterSqlite3(path, busyTimeoutMs);
    if (driver === 'better-sqlite3' || !betterSqlite3.missing) {
      throw new ErrandError('ERRAND_PEER_MISSING', `the SQLite queue needs better-sqlite3, which did not load (${String(betterSqlite3.error)}); run npm i better-sqlite3`, { cause: betterSqlite3.error });
    }
  }
  const nodeSqlite = loadNodeSqlite();
  if (nodeSqlite === undefined) {
    throw new ErrandError('ERRAND_PEER_MISSING', `the SQLite queue needs better-sqlite3 on Node ${process.versions.node} (node:sqlite needs Node 22.13 or later): run npm i better-sqlite3`);
  }
  return nodeSqlite(path, busyTimeoutMs);
}

/** The SQLite drivers that load in this process, better-sqlite3 first (the default when both do). */
export function availableSqliteDrivers(): SqliteDriverName[] {
  const drivers: SqliteDriverName[] = [];
  if (typeof loadBetterSqlite3() === 'function') drivers.push('better-sqlite3');
  if (loadNodeSqlite() !== undefined) drivers.push('node:sqlite');
  return drivers;
}
