import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { JobMeta } from '../../jobs/job.js';
import { createExpireLeases } from './expire-leases.js';
import type { PostgresContext } from './postgres-context.js';

interface ClaimedRow {
  id: string;
  token: string;
  lease_until: string;
  task: string;
  payload: string | null;
  attempts: number;
  max_attempts: number;
  created_at: string;
  priority: number;
  run_at: string;
  seq: string;
  meta: JobMeta | null;
}

/** Claim options without the waiting part (see `wait-for-jobs.ts`). */
export type ClaimNowOptions = Pick<ClaimOptions, 'workerId' | 'tasks' | 'limit' | 'leaseMs'>;

/**
 * Makes the claim step: end lapsed leases, then one statement that picks up to `limit` ready jobs
 * in queue order with `FOR UPDATE SKIP LOCKED` (rows another claimer is taking are skipped, not
 * waited for, so claimers never block each other or take the same job) and starts an attempt on
 * each. Each claim gets a fresh fencing token, `<seq>.<random>`, so fenced statements find the row
 * by primary key.
 */
export function createClaimNow(context: PostgresContext): (options: ClaimNowOptions) => Promise<ClaimedJob[]> {
  const { table, query } = context;
  const expireLeases = createExpireLeases(context);
  const text = `WITH next AS (
      SELECT seq FROM ${table}
      WHERE state IN ('queued', 'retrying') AND run_at <= $1 AND task = ANY($2::text[])
      ORDER BY priority, run_at, seq
      LIMIT $3
      FOR UPDATE SKIP LOCKED)
    UPDATE ${table} AS j SET
      state = 'running', attempts = j.attempts + 1, token = j.seq || '.' || replace(gen_random_uuid()::text, '-', ''),
      lease_until = $4, worker_id = $5, cancel_requested = false, started_at = $1, updated_at = $1,
      history = j.history || jsonb_build_object('at', $1::bigint, 'type', 'claimed', 'attempt', j.attempts + 1, 'message', $5::text)
    FROM next WHERE j.seq = next.seq
    RETURNING j.id, j.token, j.lease_until, j.task, j.payload::text AS payload, j.attempts, j.max_attempts, j.created_at, j.priority, j.run_at, j.seq, j.meta`;

  return async function claimNow(options) {
    if (options.limit <= 0 || options.tasks.length === 0) return [];
    const now = context.now();
    await expireLeases(now);
    const { rows } = await query<ClaimedRow>(text, [now, options.tasks, options.limit, now + options.leaseMs, options.workerId], `errand-claim-${context.schema}`);
    // RETURNING gives no order guarantee; hand jobs out in queue order.
    rows.sort((a, b) => a.priority - b.priority || Number(a.run_at) - Number(b.run_at) || Number(a.seq) - Number(b.seq));
    return rows.map((row) => {
      const job: ClaimedJob = {
        jobId: row.id,
        token: row.token,
        leaseUntil: Number(row.lease_until),
        task: row.task,
        payload: row.payload === null ? undefined : (JSON.parse(row.payload) as unknown),
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        createdAt: Number(row.created_at),
      };
      if (row.meta !== null) job.meta = row.meta;
      return job;
    });
  };
}
