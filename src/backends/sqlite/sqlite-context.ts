import type Database from 'better-sqlite3';
import type { RetentionOptions } from '../../jobs/backend.js';

/** What every storage operation of the SQLite backend shares. */
export interface SqliteContext {
  readonly db: Database.Database;
  /** The clock (injectable so tests can move time). */
  readonly now: () => number;
  readonly retention: Required<RetentionOptions>;
  /** Wakes claims waiting in this process (another process finds the job at its next poll). */
  readonly notify: () => void;
}
