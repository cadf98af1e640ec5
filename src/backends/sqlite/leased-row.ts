import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';
import type { Lease } from '../../jobs/backend.js';
import { leaseLostError } from '../../jobs/backend-errors.js';

/** The fields the lease-holding operations need from a running job. */
export interface LeasedRow {
  seq: number;
  attempts: number;
  cancel_requested: number;
  history: string;
}

/**
 * The rowid a claim token starts with (`<seq>.<random>`), so fenced statements look the row up by
 * its primary key; -1 (no row) for a token this backend did not make.
 */
export function tokenSeq(token: string): number {
  const seq = Number(token.slice(0, token.indexOf('.')));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : -1;
}

/** Prepares the lookup of a job by a lease that must still be current: (seq, id, token). */
export function prepareFindLeased(db: SqliteDatabase): SqliteStatement {
  return db.prepare(`SELECT seq, attempts, cancel_requested, history FROM errand_jobs WHERE seq = ? AND id = ? AND token = ? AND state = 'running'`);
}

/** The running job this lease still holds, or ErrandError('ERRAND_LEASE_LOST'). */
export function requireLeased(find: SqliteStatement, lease: Lease): LeasedRow {
  const row = find.get(tokenSeq(lease.token), lease.jobId, lease.token) as LeasedRow | undefined;
  if (row === undefined) throw leaseLostError(lease.jobId);
  return row;
}
