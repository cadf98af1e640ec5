import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { integerArrayLiteral, textArrayLiteral } from './array-literal.js';
import { enqueueKeyedJobs } from './enqueue-keyed-jobs.js';
import { encodeJson } from './job-row.js';
import type { RunQuery } from './postgres-context.js';

/** Where and how to enqueue: the backend's pool, or the app's own transaction. */
export interface EnqueueTarget {
  readonly query: RunQuery;
  readonly table: string;
  readonly channel: string;
  /** Prepared statement name (the backend's pool); none on the app's connection. */
  readonly name?: string;
  /**
   * Runs `work` in a transaction of its own (the backend's pool). Absent when `query` already runs
   * in one (the app's transaction), which then holds the dedupe locks until its COMMIT.
   */
  readonly transaction?: <T>(work: (query: RunQuery) => Promise<T>) => Promise<T>;
}

/**
 * Stores a batch of jobs. Without dedupe keys: one INSERT over `unnest` of column arrays, whatever
 * the batch size. With keys: a transaction that locks the keys, reads their holders and writes
 * ({@link enqueueKeyedJobs}).
 */
export async function enqueueJobs(target: EnqueueTarget, jobs: readonly NewJob[], now: number): Promise<EnqueueResult[]> {
  if (jobs.length === 0) return [];
  if (!jobs.some((job) => job.key !== undefined)) {
    await insertJobs(target.query, target, jobs, now, target.name);
    return jobs.map((job) => ({ id: job.id, created: true }));
  }
  const keyed = (query: RunQuery): Promise<EnqueueResult[]> => enqueueKeyedJobs({ query, table: target.table, insert: (rows) => insertJobs(query, target, rows, now) }, jobs, now);
  return target.transaction === undefined ? keyed(target.query) : target.transaction(keyed);
}

/**
 * One INSERT of every job, in order. The same statement calls `pg_notify` once (an uncorrelated
 * subquery runs once, and only if a row was inserted), which Postgres delivers at COMMIT and drops
 * on ROLLBACK: waiting workers wake exactly when the jobs become visible, also when they were
 * enqueued in the app's transaction.
 */
async function insertJobs(query: RunQuery, target: { table: string; channel: string }, jobs: readonly NewJob[], now: number, name?: string): Promise<void> {
  if (jobs.length === 0) return;
  const values = [
    textArrayLiteral(jobs.map((job) => job.id)),
    textArrayLiteral(jobs.map((job) => job.task)),
    textArrayLiteral(jobs.map((job) => encodeJson(job.payload))),
    integerArrayLiteral(jobs.map((job) => job.priority)),
    integerArrayLiteral(jobs.map((job) => job.runAt)),
    textArrayLiteral(jobs.map((job) => job.key)),
    integerArrayLiteral(jobs.map((job) => job.maxAttempts)),
    integerArrayLiteral(jobs.map((job) => job.createdAt)),
    now,
    `[{"at":${now},"type":"enqueued"}]`,
    target.channel,
    textArrayLiteral(jobs.map((job) => encodeJson(job.meta))),
    textArrayLiteral(jobs.map((job) => job.group)),
  ];
  const insert = `INSERT INTO ${target.table} (id, task, payload, state, priority, run_at, key, max_attempts, created_at, updated_at, history, meta, group_key)
       SELECT id, task, payload::json, 'queued', priority, run_at, key, max_attempts, created_at, $9, $10::jsonb, meta::jsonb, group_key
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::int[], $8::bigint[], $12::text[], $13::text[]) WITH ORDINALITY
         AS i(id, task, payload, priority, run_at, key, max_attempts, created_at, meta, group_key, ord)
       ORDER BY ord`;
  // Every row is inserted or the statement fails: one row back, not one per job.
  await query(`WITH inserted AS (${insert} RETURNING 1) SELECT count(*) AS created, pg_notify($11, '') FROM inserted`, values, name);
}
