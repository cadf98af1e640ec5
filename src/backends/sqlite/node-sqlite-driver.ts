import type { SqliteDatabase, SqliteOpener, SqliteStatement } from './sqlite-driver.js';

/** The part of `node:sqlite` the backend uses (its types are not in @types/node 20). */
interface NodeSqliteModule {
  DatabaseSync: new (path: string) => NodeSqliteDatabase;
}
interface NodeSqliteDatabase {
  prepare(sql: string): NodeSqliteStatement;
  exec(sql: string): void;
  close(): void;
}
interface NodeSqliteStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Record<string, unknown>[];
}

/**
 * An opener on Node's built-in `node:sqlite` when this Node has it without a flag (22.13 and later), else
 * `undefined`. `process.getBuiltinModule` keeps it a synchronous, optional load.
 */
export function loadNodeSqlite(): SqliteOpener | undefined {
  let sqlite: NodeSqliteModule | undefined;
  try {
    sqlite = process.getBuiltinModule('node:sqlite') as NodeSqliteModule | undefined;
  } catch {
    return undefined;
  }
  return sqlite === undefined ? undefined : (path) => openNodeSqlite(sqlite, path);
}

/**
 * Opens `path` with `node:sqlite` behind errand's driver interface. What better-sqlite3 has and
 * node:sqlite lacks (`pluck`, `transaction().immediate`) is written here; the busy timeout is the
 * `busy_timeout` pragma `openDatabase` sets first.
 */
function openNodeSqlite(sqlite: NodeSqliteModule, path: string): SqliteDatabase {
  const db = new sqlite.DatabaseSync(path);
  let inTransaction = false;
  return {
    driver: 'node:sqlite',
    prepare: (sql) => statement(db.prepare(sql)),
    prepareValue(sql) {
      const prepared = db.prepare(sql);
      return {
        ...statement(prepared),
        get: (...params) => firstColumn(prepared.get(...params)),
        all: (...params) => prepared.all(...params).map(firstColumn),
      };
    },
    exec: (sql) => db.exec(sql),
    immediate(fn) {
      return (...args) => {
        if (inTransaction) throw new Error('errand: nested SQLite transaction (a bug in the SQLite backend)');
        db.exec('BEGIN IMMEDIATE');
        inTransaction = true;
        try {
          const result = fn(...args);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          // SQLite may already have rolled back (a full disk, for instance); the first error is the story.
          try {
            db.exec('ROLLBACK');
          } catch {
            // no transaction left to roll back
          }
          throw error;
        } finally {
          inTransaction = false;
        }
      };
    },
    close: () => db.close(),
    failureOf(error) {
      const { code, errstr, message } = error as { code?: unknown; errstr?: unknown; message?: unknown };
      if (code === 'ERR_SQLITE_ERROR') return typeof errstr === 'string' ? errstr : 'SQLite error';
      if (code === 'ERR_INVALID_STATE' && typeof message === 'string' && /database is not open/.test(message)) return 'closed';
      return undefined;
    },
  };
}

function statement(prepared: NodeSqliteStatement): SqliteStatement {
  return {
    run: (...params) => ({ changes: Number(prepared.run(...params).changes) }),
    get: (...params) => prepared.get(...params),
    all: (...params) => prepared.all(...params),
  };
}

function firstColumn(row: Record<string, unknown> | undefined): unknown {
  if (row === undefined) return undefined;
  for (const key in row) return row[key];
  return undefined;
}
