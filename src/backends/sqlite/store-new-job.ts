import { decideDedupe, type KeyHolder } from '../../jobs/dedupe.js';
import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { encodeJson } from './job-row.js';

/** What storing one job runs: prepared on the backend's connection, or on the app's handle for a transactional enqueue. */
export interface NewJobStatements {
  /** `holdersSql`: the unfinished jobs with a key, newest first. */
  holders: { all(...params: unknown[]): unknown[] };
  /** `insertSql` */
  insert: { run(...params: unknown[]): unknown };
  /** `replaceSql` */
  replace: { run(...params: unknown[]): unknown };
}

export const holdersSql = `SELECT id, started_at, run_at, created_at FROM errand_jobs
  WHERE key = ? AND state IN ('queued', 'retrying', 'running') ORDER BY seq DESC`;

export const insertSql = `INSERT INTO errand_jobs (id, task, payload, state, priority, run_at, key, max_attempts, created_at, updated_at, history, meta, group_key)
  VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Replaces a waiting job's payload and run time (`replace` and debounce modes); a started job is never touched. */
export const replaceSql = `UPDATE errand_jobs SET payload = ?, run_at = ?, updated_at = ? WHERE id = ? AND started_at IS NULL`;

interface HolderRow {
  id: string;
  started_at: number | null;
  run_at: number;
  created_at: number;
}

/**
 * Stores one job, honouring its dedupe key and mode ({@link decideDedupe}). The caller holds the
 * write lock (an IMMEDIATE transaction, or the app's transaction), so the holders read here cannot
 * change before the write: two processes enqueueing one key store one job.
 */
export function storeNewJob(statements: NewJobStatements, job: NewJob, now: number): EnqueueResult {
  if (job.key !== undefined) {
    const holders = (statements.holders.all(job.key) as HolderRow[]).map(
      (row): KeyHolder => ({ id: row.id, started: row.started_at !== null, runAt: Number(row.run_at), createdAt: Number(row.created_at) }),
    );
    const decision = decideDedupe(job, holders, now);
    if (decision.action === 'drop') return { id: decision.id, created: false };
    if (decision.action === 'replace') {
      statements.replace.run(encodeJson(job.payload), decision.runAt, now, decision.id);
      return { id: decision.id, created: false, replaced: true };
    }
  }
  // The same text encodeEvent would give, without JSON.stringify on the hot path.
  const history = `{"at":${now},"type":"enqueued"}`;
  statements.insert.run(job.id, job.task, encodeJson(job.payload), job.priority, job.runAt, job.key ?? null, job.maxAttempts, job.createdAt, now, history, encodeJson(job.meta), job.group ?? null);
  return { id: job.id, created: true };
}
