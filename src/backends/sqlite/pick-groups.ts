import type { GroupClaim } from '../../jobs/backend.js';
import { fairGroupId, pickFair, type FairCandidate } from '../../jobs/fair-order.js';
import type { SqliteContext } from './sqlite-context.js';

interface ReadyRow {
  seq: number;
  priority: number;
  run_at: number;
}

/**
 * Makes the pick of a fair claim (docs/jobs.md, "Fair queues"), run inside the claim's IMMEDIATE
 * transaction, so every process sees one order of turns and one count per group. For each grouped
 * task: the distinct groups with queued rows (a skip scan of the grouped ready index: one probe per
 * group, whatever the backlog), each group's running count when it has a concurrency, each group's
 * first ready jobs (at most its room and the limit), then `pickFair` and the served stamps. Answers
 * the seqs to claim, in turn order. Rows of a grouped task stored without a group are taken in queue
 * order once no grouped row of the task is ready.
 */
export function createPickGroups(context: SqliteContext): (tasks: readonly string[], groups: Readonly<Record<string, GroupClaim>>, limit: number, now: number) => number[] {
  const { db } = context;
  const firstGroup = db.prepareValue(`SELECT group_key FROM errand_jobs WHERE task = ? AND state IN ('queued', 'retrying') AND group_key IS NOT NULL ORDER BY group_key LIMIT 1`);
  const nextGroup = db.prepareValue(`SELECT group_key FROM errand_jobs WHERE task = ? AND state IN ('queued', 'retrying') AND group_key > ? ORDER BY group_key LIMIT 1`);
  const runningIn = db.prepareValue(`SELECT count(*) FROM errand_jobs WHERE task = ? AND group_key = ? AND state = 'running'`);
  const readyIn = db.prepare(
    `SELECT seq, priority, run_at FROM errand_jobs
     WHERE task = ? AND group_key = ? AND state IN ('queued', 'retrying') AND run_at <= ?
     ORDER BY priority, run_at, seq LIMIT ?`,
  );
  const ungrouped = db.prepare(
    `SELECT seq, priority, run_at FROM errand_jobs
     WHERE state IN ('queued', 'retrying') AND run_at <= ? AND task = ? AND group_key IS NULL
     ORDER BY priority, run_at, seq LIMIT ?`,
  );
  const servedOf = db.prepare(`SELECT group_key, served FROM errand_job_groups WHERE task = ?`);
  const serve = db.prepare(`INSERT INTO errand_job_groups (task, group_key, served) VALUES (?, ?, ?) ON CONFLICT (task, group_key) DO UPDATE SET served = excluded.served`);

  function groupsOf(task: string): string[] {
    const found: string[] = [];
    let group = firstGroup.get(task) as string | undefined;
    while (group !== undefined) {
      found.push(group);
      group = nextGroup.get(task, group) as string | undefined;
    }
    return found;
  }

  return function pickGroups(tasks, groups, limit, now) {
    const candidates: (FairCandidate & { seq: number })[] = [];
    const served = new Map<string, number>();
    const room = new Map<string, number>();
    let stamp = 0;
    const plain: ReadyRow[] = [];
    for (const task of tasks) {
      const concurrency = groups[task]?.concurrency ?? Infinity;
      const found = groupsOf(task);
      for (const group of found) {
        const free = concurrency === Infinity ? limit : concurrency - (runningIn.get(task, group) as number);
        if (free <= 0) continue;
        const rows = readyIn.all(task, group, now, Math.min(limit, free)) as ReadyRow[];
        room.set(fairGroupId(task, group), free);
        for (const row of rows) candidates.push({ task, group, priority: row.priority, runAt: row.run_at, seq: row.seq });
      }
      if (found.length > 0) {
        for (const row of servedOf.all(task) as { group_key: string; served: number }[]) {
          served.set(fairGroupId(task, row.group_key), row.served);
          stamp = Math.max(stamp, row.served + 1);
        }
      }
      if (found.length === 0) plain.push(...(ungrouped.all(now, task, limit) as ReadyRow[]));
    }
    const pick = pickFair(candidates, (id) => ({ served: served.get(id), room: room.get(id) ?? 0 }), limit, stamp);
    for (const group of pick.served) serve.run(group.task, group.group, group.stamp);
    plain.sort((a, b) => a.priority - b.priority || a.run_at - b.run_at || a.seq - b.seq);
    return [...pick.taken.map((candidate) => candidate.seq), ...plain.map((row) => row.seq)].slice(0, limit);
  };
}
