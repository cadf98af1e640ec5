import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { JobMeta } from '../../jobs/job.js';
import { createClaimGroups } from './claim-groups.js';
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
export type ClaimNowOptions = Pick<ClaimOptions, 'workerId' | 'tasks' | 'limit' | 'leaseMs' | 'groups'>;

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
  const starts = (now: string, leaseUntil: string, workerId: string): string =>
    `state = 'running', attempts = j.attempts + 1, token = j.seq || '.' || replace(gen_random_uuid()::text, '-', ''),
      lease_until = ${leaseUntil}, worker_id = ${workerId}, cancel_requested = false, started_at = ${now}, updated_at = ${now},
      history = j.history || jsonb_build_object('at', ${now}::bigint, 'type', 'claimed', 'attempt', j.attempts + 1, 'message', ${workerId}::text)`;
  const returned = 'j.id, j.token, j.lease_until, j.task, j.payload::text AS payload, j.attempts, j.max_attempts, j.created_at, j.priority, j.run_at, j.seq, j.meta';
  const text = `WITH next AS (
      SELECT seq FROM ${table}
      WHERE state IN ('queued', 'retrying') AND run_at <= $1 AND task = ANY($2::text[])
      ORDER BY priority, run_at, seq
      LIMIT $3
      FOR UPDATE SKIP LOCKED)
    UPDATE ${table} AS j SET ${starts('$1', '$4', '$5')}
    FROM next WHERE j.seq = next.seq
    RETURNING ${returned}`;
  const claimGroups = createClaimGroups<ClaimedRow>(context, { starts, returned });

  async function claimRows(options: ClaimNowOptions, now: number): Promise<ClaimedRow[]> {
    const claimFrom = async (tasks: readonly string[], limit: number): Promise<ClaimedRow[]> =>
      (await query<ClaimedRow>(text, [now, tasks, limit, now + options.leaseMs, options.workerId], `errand-claim-${context.schema}`)).rows;
    const { groups } = options;
    const grouped = groups === undefined ? [] : options.tasks.filter((task) => groups[task] !== undefined);
    if (groups === undefined || grouped.length === 0) {
      const rows = await claimFrom(options.tasks, options.limit);
      // RETURNING gives no order guarantee; hand jobs out in queue order.
      rows.sort((a, b) => a.priority - b.priority || Number(a.run_at) - Number(b.run_at) || Number(a.seq) - Number(b.seq));
      return rows;
    }
    // Fair queues: grouped tasks first, in turns; ungrouped tasks of the same claim fill what is left.
    const rows = await claimGroups(grouped, groups, options, now);
    const plain = options.tasks.filter((task) => groups[task] === undefined);
    if (plain.length > 0 && rows.length < options.limit) rows.push(...(await claimFrom(plain, options.limit - rows.length)));
    return rows;
  }

  return async function claimNow(options) {
    if (options.limit <= 0 || options.tasks.length === 0) return [];
    const now = context.now();
    await expireLeases(now);
    const rows = await claimRows(options, now);
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

/** The run_at of the first queued job of `tasks` coming due within `horizonMs` (null when none), for a waiting claim to wake at. */
export function createNextDue(context: PostgresContext): (tasks: readonly string[], horizonMs: number) => Promise<{ at: number | null; now: number }> {
  const text = `SELECT min(run_at) AS at FROM ${context.table} WHERE state IN ('queued', 'retrying') AND run_at > $1 AND run_at <= $2 AND task = ANY($3::text[])`;
  return async (tasks, horizonMs) => {
    const now = context.now();
    const { rows } = await context.query<{ at: string | null }>(text, [now, now + horizonMs, tasks], `errand-next-due-${context.schema}`);
    const at = rows[0]?.at ?? null;
    return { at: at === null ? null : Number(at), now };
  };
}
