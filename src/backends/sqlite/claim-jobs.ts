import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { JobMeta } from '../../jobs/job.js';
import { createExpireLeases } from './expire-leases.js';
import { createPickGroups } from './pick-groups.js';
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
export type ClaimNowOptions = Pick<ClaimOptions, 'workerId' | 'tasks' | 'limit' | 'leaseMs' | 'groups'>;

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
  const starts = `state = 'running', attempts = attempts + 1, token = seq || '.' || lower(hex(randomblob(12))), lease_until = @leaseUntil,
       worker_id = @workerId, cancel_requested = 0, started_at = @now, updated_at = @now,
       history = history || ',' || json_object('at', @now, 'type', 'claimed', 'attempt', attempts + 1, 'message', @workerId)`;
  const returned = 'id, token, lease_until, task, payload, attempts, max_attempts, created_at, priority, run_at, seq, meta';
  const claim = db.prepare(
    `UPDATE errand_jobs SET ${starts}
     WHERE seq IN (
       SELECT seq FROM errand_jobs
       WHERE state IN ('queued', 'retrying') AND run_at <= @now AND task IN (SELECT value FROM json_each(@tasks))
       ORDER BY priority, run_at, seq LIMIT @limit)
     RETURNING ${returned}`,
  );
  const claimPicked = db.prepare(`UPDATE errand_jobs SET ${starts} WHERE seq IN (SELECT value FROM json_each(@seqs)) RETURNING ${returned}`);
  const pickGroups = createPickGroups(context);
  // The clock is read once the write lock is held, not before waiting for it: a claim that waited
  // seconds behind other processes would otherwise give leases that much shorter, and judge lapsed
  // leases and liveness records by a time already past.
  const claimInTransaction = db.immediate((options: ClaimNowOptions): ClaimedRow[] => {
    const now = context.now();
    expireLeases(now);
    const claimFrom = (tasks: readonly string[], limit: number): ClaimedRow[] => claim.all({ now, leaseUntil: now + options.leaseMs, workerId: options.workerId, tasks: JSON.stringify(tasks), limit }) as ClaimedRow[];
    const { groups } = options;
    const grouped = groups === undefined ? [] : options.tasks.filter((task) => groups[task] !== undefined);
    if (groups === undefined || grouped.length === 0) return claimFrom(options.tasks, options.limit);
    // Fair queues: grouped tasks first, in turns; ungrouped tasks of the same claim fill what is left.
    const seqs = pickGroups(grouped, groups, options.limit, now);
    const rows = seqs.length === 0 ? [] : (claimPicked.all({ now, leaseUntil: now + options.leaseMs, workerId: options.workerId, seqs: JSON.stringify(seqs) }) as ClaimedRow[]);
    const order = new Map(seqs.map((seq, index) => [seq, index]));
    rows.sort((a, b) => (order.get(a.seq) ?? 0) - (order.get(b.seq) ?? 0));
    const plain = options.tasks.filter((task) => groups[task] === undefined);
    if (plain.length > 0 && rows.length < options.limit) rows.push(...claimFrom(plain, options.limit - rows.length));
    return rows;
  });

  return function claimNow(options) {
    if (options.limit <= 0 || options.tasks.length === 0) return [];
    const rows = claimInTransaction(options);
    // RETURNING gives no order guarantee; hand jobs out in queue order (a fair claim's rows are in turn order already).
    if (options.groups === undefined) rows.sort((a, b) => a.priority - b.priority || a.run_at - b.run_at || a.seq - b.seq);
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
