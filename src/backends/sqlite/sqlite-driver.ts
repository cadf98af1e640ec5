/** The SQLite libraries the backend runs on. */
export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';

/**
 * A prepared statement. Parameters are positional values, or one object whose keys fill `@name`
 * parameters (every key must appear in the statement).
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  /** The first row, or `undefined`. */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/**
 * The few things the backend needs from a SQLite library; `better-sqlite3-driver.ts` and
 * `node-sqlite-driver.ts` provide it. Kept this small so both stay thin, and so no type of
 * either library appears in errand's declarations (users may have neither's types installed).
 */
export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  prepare(sql: string): SqliteStatement;
  /** A statement whose `get` answers the first column of the first row instead of the row. */
  prepareValue(sql: string): SqliteStatement;
  exec(sql: string): void;
  /**
   * Wraps `fn` in `BEGIN IMMEDIATE … COMMIT` (the write lock first, so two processes never
   * deadlock upgrading a read), rolled back when `fn` throws. Not nested: the backend never does.
   */
  immediate<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
  /**
   * What a driver error says when it is a SQLite failure (busy, disk full, unreadable file:
   * `'SQLITE_BUSY'`, `'closed'` for a closed connection); `undefined` for anything else (a bug).
   */
  failureOf(error: unknown): string | undefined;
}

/** Opens a database file with one driver. */
export type SqliteOpener = (path: string, busyTimeoutMs: number) => SqliteDatabase;

/** Why a driver cannot be used: `missing` when its package is not installed at all. */
export interface DriverUnavailable {
  missing: boolean;
  error: unknown;
}
