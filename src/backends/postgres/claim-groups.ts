import type { GroupClaim } from '../../jobs/backend.js';
import { fairGroupId, pickFair, type FairCandidate } from '../../jobs/fair-order.js';
import type { PostgresContext, RunQuery } from './postgres-context.js';

interface GroupRow {
  task: string;
  group_key: string;
  served: string | null;
  running: number;
  seq: string | null;
  priority: number | null;
  run_at: string | null;
}

/** The columns a claim starts an attempt with, and those it returns (shared with the plain claim). */
export interface ClaimStatements {
  /** `SET` list starting an attempt, given the placeholders of now, the lease end and the worker id. */
  starts: (now: string, leaseUntil: string, workerId: string) => string;
  returned: string;
}

/**
 * Makes the fair claim of grouped tasks (docs/jobs.md, "Fair queues"): one transaction holding an
 * advisory lock per grouped task, so that concurrent claimers of a task take turns one after the
 * other and each sees the running jobs the previous one started (a group's concurrency is then
 * exact across workers). In it: one statement reads, per task, the distinct groups with queued rows
 * (a recursive skip scan of the grouped ready index: one probe per group), their served stamps, their
 * running counts (when capped) and their first ready jobs (at most their room and the limit); then
 * `pickFair`, the claim of the picked rows and the new served stamps. Rows of a grouped task stored
 * without a group are taken in queue order when the task has no grouped row queued.
 */
export function createClaimGroups<Row extends { seq: string }>(context: PostgresContext, statements: ClaimStatements): (tasks: readonly string[], groups: Readonly<Record<string, GroupClaim>>, options: { limit: number; leaseMs: number; workerId: string }, now: number) => Promise<Row[]> {
  const { table, schema } = context;
  const ready = `state IN ('queued', 'retrying')`;
  const pick = `WITH RECURSIVE g AS (
      SELECT t.task, (SELECT j.group_key FROM ${table} j WHERE j.task = t.task AND j.${ready} AND j.group_key IS NOT NULL ORDER BY j.group_key LIMIT 1) AS group_key
      FROM unnest($1::text[]) AS t(task)
      UNION ALL
      SELECT g.task, (SELECT j.group_key FROM ${table} j WHERE j.task = g.task AND j.${ready} AND j.group_key > g.group_key ORDER BY j.group_key LIMIT 1)
      FROM g WHERE g.group_key IS NOT NULL)
    SELECT g.task, g.group_key, s.served::text AS served, r.running, c.seq::text AS seq, c.priority, c.run_at::text AS run_at
    FROM g
    JOIN unnest($1::text[], $2::int[]) AS l(task, concurrency) ON l.task = g.task
    LEFT JOIN ${schema}.job_groups s ON s.task = g.task AND s.group_key = g.group_key
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS running FROM ${table} j WHERE l.concurrency IS NOT NULL AND j.task = g.task AND j.group_key = g.group_key AND j.state = 'running') r
    LEFT JOIN LATERAL (
      SELECT j.seq, j.priority, j.run_at FROM ${table} j
      WHERE j.task = g.task AND j.group_key = g.group_key AND j.${ready} AND j.run_at <= $3
      ORDER BY j.priority, j.run_at, j.seq
      LIMIT greatest(0, least($4, coalesce(l.concurrency - r.running, $4)))) c ON true
    WHERE g.group_key IS NOT NULL`;
  const claimPicked = `UPDATE ${table} AS j SET ${statements.starts('$1', '$3', '$4')} WHERE j.seq = ANY($2::bigint[]) AND j.${ready} RETURNING ${statements.returned}`;
  const claimUngrouped = `WITH next AS (
      SELECT seq FROM ${table} WHERE ${ready} AND run_at <= $1 AND task = ANY($2::text[]) AND group_key IS NULL
      ORDER BY priority, run_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
    UPDATE ${table} AS j SET ${statements.starts('$1', '$4', '$5')} FROM next WHERE j.seq = next.seq RETURNING ${statements.returned}`;
  const serve = `INSERT INTO ${schema}.job_groups (task, group_key, served)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
    ON CONFLICT (task, group_key) DO UPDATE SET served = excluded.served`;
  const lockKey = (task: string): string => `errand:${schema}:groups:${task}`;

  async function claimIn(query: RunQuery, tasks: readonly string[], groups: Readonly<Record<string, GroupClaim>>, options: { limit: number; leaseMs: number; workerId: string }, now: number): Promise<Row[]> {
    const sorted = [...tasks].sort();
    await query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS l(k, ord) ORDER BY ord`, [sorted.map(lockKey)], `errand-group-lock-${schema}`);
    const limits = sorted.map((task) => {
      const concurrency = groups[task]?.concurrency;
      return concurrency === undefined || concurrency === Infinity ? null : concurrency;
    });
    const { rows } = await query<GroupRow>(pick, [sorted, limits, now, options.limit], `errand-group-pick-${schema}`);
    const candidates: FairCandidate[] = [];
    const served = new Map<string, number>();
    const room = new Map<string, number>();
    const withGroups = new Set<string>();
    let stamp = 0;
    for (const row of rows) {
      const id = fairGroupId(row.task, row.group_key);
      withGroups.add(row.task);
      if (row.served !== null) {
        served.set(id, Number(row.served));
        stamp = Math.max(stamp, Number(row.served) + 1);
      }
      const concurrency = groups[row.task]?.concurrency ?? Infinity;
      room.set(id, concurrency - row.running);
      if (row.seq !== null) candidates.push({ task: row.task, group: row.group_key, priority: row.priority ?? 0, runAt: Number(row.run_at), seq: Number(row.seq) });
    }
    const picked = pickFair(candidates, (id) => ({ served: served.get(id), room: room.get(id) ?? 0 }), options.limit, stamp);
    const values = (seqs: readonly number[]): unknown[] => [now, seqs, now + options.leaseMs, options.workerId];
    let claimed: Row[] = [];
    if (picked.taken.length > 0) {
      const seqs = picked.taken.map((candidate) => candidate.seq);
      claimed = (await query<Row>(claimPicked, values(seqs), `errand-group-claim-${schema}`)).rows;
      const order = new Map(seqs.map((seq, index) => [String(seq), index]));
      claimed.sort((a, b) => (order.get(a.seq) ?? 0) - (order.get(b.seq) ?? 0));
      await query(serve, [picked.served.map((group) => group.task), picked.served.map((group) => group.group), picked.served.map((group) => group.stamp)], `errand-group-serve-${schema}`);
    }
    const bare = sorted.filter((task) => !withGroups.has(task));
    if (bare.length > 0 && claimed.length < options.limit) {
      claimed.push(...(await query<Row>(claimUngrouped, [now, bare, options.limit - claimed.length, now + options.leaseMs, options.workerId], `errand-group-bare-${schema}`)).rows);
    }
    return claimed;
  }

  return (tasks, groups, options, now) => context.transaction((query) => claimIn(query, tasks, groups, options, now));
}
