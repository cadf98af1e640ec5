import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { JobMeta } from '../../jobs/job.js';
import { createExpireLeases } from './expire-leases.js';
import type { SqliteContext } from './sqlite-context.js';

interface ClaimedRow {
  id: string;
  token: string;
  lease_until: number;
  task: string;
  payload: string | null;
  attempts: number;
  max_attempts: number;
  created_at: number;
  priority: number;
  run_at: number;
  seq: number;
  meta: string | null;
}

/** Claim options without the waiting part (see `wait-for-jobs.ts`). */
export type ClaimNowOptions = Pick<ClaimOptions, 'workerId' | 'tasks' | 'limit' | 'leaseMs'>;

/**
 * Makes the claim step: in one IMMEDIATE transaction, end lapsed leases, then take up to `limit`
 * ready jobs with a single `UPDATE … WHERE seq IN (SELECT … ORDER BY priority, run_at, seq LIMIT ?)
 * RETURNING`. The write lock makes the claim atomic across processes; the ready index makes the
 * inner SELECT an ordered index walk. Each claim gets a fresh random fencing token, prefixed with
 * the row's rowid so fenced operations find the row by primary key, not through the random id index.
 */
export function createClaimNow(context: SqliteContext): (options: ClaimNowOptions) => ClaimedJob[] {
  const { db } = context;
  const expireLeases = createExpireLeases(context);
  const claim = db.prepare(
    `UPDATE errand_jobs SET
       state = 'running', attempts = attempts + 1, token = seq || '.' || lower(hex(randomblob(12))), lease_until = @leaseUntil,
       worker_id = @workerId, cancel_requested = 0, started_at = @now, updated_at = @now,
       history = history || ',' || json_object('at', @now, 'type', 'claimed', 'attempt', attempts + 1, 'message', @workerId)
     WHERE seq IN (
       SELECT seq FROM errand_jobs
       WHERE state IN ('queued', 'retrying') AND run_at <= @now AND task IN (SELECT value FROM json_each(@tasks))
       ORDER BY priority, run_at, seq LIMIT @limit)
     RETURNING id, token, lease_until, task, payload, attempts, max_attempts, created_at, priority, run_at, seq, meta`,
  );
  const claimInTransaction = db.immediate((options: ClaimNowOptions, now: number): ClaimedRow[] => {
    expireLeases(now);
    return claim.all({ now, leaseUntil: now + options.leaseMs, workerId: options.workerId, tasks: JSON.stringify(options.tasks), limit: options.limit }) as ClaimedRow[];
  });

  return function claimNow(options) {
    if (options.limit <= 0 || options.tasks.length === 0) return [];
    const rows = claimInTransaction(options, context.now());
    // RETURNING gives no order guarantee; hand jobs out in queue order.
    rows.sort((a, b) => a.priority - b.priority || a.run_at - b.run_at || a.seq - b.seq);
    return rows.map((row) => {
      const job: ClaimedJob = {
        jobId: row.id,
        token: row.token,
        leaseUntil: row.lease_until,
        task: row.task,
        payload: row.payload === null ? undefined : (JSON.parse(row.payload) as unknown),
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        createdAt: row.created_at,
      };
      if (row.meta !== null) job.meta = JSON.parse(row.meta) as JobMeta;
      return job;
    });
  };
}
