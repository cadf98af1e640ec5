import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { DriverUnavailable, SqliteDatabase, SqliteOpener } from './sqlite-driver.js';
import { plainSqlitePath } from './sqlite-location.js';

type BetterSqlite3Module = typeof BetterSqlite3;

let loaded: SqliteOpener | DriverUnavailable | undefined;

/**
 * An opener on better-sqlite3 when it is installed and its native binary loads (tried once per process on an
 * in-memory database: the binary is only loaded by the first `new Database`), else why not
 * (`missing` when the package is not installed). Loaded with `require` so that the backend opens
 * synchronously and a missing optional peer is not an import error.
 */
export function loadBetterSqlite3(): SqliteOpener | DriverUnavailable {
  loaded ??= tryLoad();
  return loaded;
}

function tryLoad(): SqliteOpener | DriverUnavailable {
  let Database: BetterSqlite3Module;
  try {
    Database = createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3Module;
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' && /'better-sqlite3'/.test(String(error));
    return { missing, error };
  }
  try {
    new Database(':memory:').close();
    return (path, busyTimeoutMs) => openBetterSqlite3(Database, path, busyTimeoutMs);
  } catch (error) {
    // Installed, but built for another Node (ABI) or not built at all.
    return { missing: false, error };
  }
}

/** Opens `path` (a `file:` URI read as a plain name: sqlite-location.ts) with better-sqlite3 behind errand's small driver interface. */
function openBetterSqlite3(Database: BetterSqlite3Module, path: string, busyTimeoutMs: number): SqliteDatabase {
  const db = new Database(plainSqlitePath(path), { timeout: busyTimeoutMs });
  return {
    driver: 'better-sqlite3',
    // better-sqlite3's statements already have this shape: no wrapper on the hot path.
    prepare: (sql) => db.prepare(sql),
    prepareValue: (sql) => db.prepare(sql).pluck(),
    exec: (sql) => void db.exec(sql),
    immediate(fn) {
      const transaction = db.transaction(fn);
      return (...args) => transaction.immediate(...args);
    },
    close: () => void db.close(),
    failureOf(error) {
      if (error instanceof Database.SqliteError) return error.code;
      if (error instanceof TypeError && /database connection is not open/.test(error.message)) return 'closed';
      return undefined;
    },
  };
}
