import type { RetentionOptions } from '../../jobs/backend.js';
import type { LivenessRecords } from './liveness-records.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/** What every storage operation of the SQLite backend shares. */
export interface SqliteContext {
  readonly db: SqliteDatabase;
  /** The clock (injectable so tests can move time). */
  readonly now: () => number;
  readonly retention: Required<RetentionOptions>;
  /** The workers' liveness records, in a file of their own beside the queue (liveness-records.ts). */
  readonly liveness: LivenessRecords;
  /** Wakes claims waiting in this process (another process finds the job at its next poll). */
  readonly notify: () => void;
}
