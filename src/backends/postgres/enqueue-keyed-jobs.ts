import { decideDedupe, type KeyHolder } from '../../jobs/dedupe.js';
import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { integerArrayLiteral, textArrayLiteral } from './array-literal.js';
import { encodeJson } from './job-row.js';
import type { RunQuery } from './postgres-context.js';

/** What {@link enqueueKeyedJobs} runs on: statements of one open transaction. */
export interface KeyedEnqueue {
  readonly query: RunQuery;
  readonly table: string;
  /** Inserts new jobs, in order, in the same transaction. */
  insert(jobs: readonly NewJob[]): Promise<void>;
}

interface HolderRow {
  id: string;
  key: string;
  started_at: string | null;
  run_at: string;
  created_at: string;
}

const unfinished = `state IN ('queued', 'retrying', 'running')`;

/**
 * Stores a batch with dedupe keys, inside a transaction:
 * 1. a transaction-scoped advisory lock per key (sorted, so two batches cannot deadlock), so two
 *    connections enqueueing one key take turns. On the app's transaction it is held until its
 *    COMMIT or ROLLBACK: another enqueue of the key waits for it, then sees the job, or, after a
 *    rollback, no job (it never answers the id of a job that was rolled back);
 * 2. the keys' waiting holders are locked (`FOR UPDATE`: a claim skips them until COMMIT, so a
 *    replaced payload is the one the claim reads), and every holder is read;
 * 3. {@link decideDedupe} for each job in order, then one INSERT and one UPDATE.
 * The lock comes before the read, in its own statement: under READ COMMITTED the read then sees
 * what the lock's previous holder committed.
 */
export async function enqueueKeyedJobs(target: KeyedEnqueue, jobs: readonly NewJob[], now: number): Promise<EnqueueResult[]> {
  const { query, table } = target;
  const keys = [...new Set(jobs.flatMap((job) => (job.key === undefined ? [] : [job.key])))].sort();
  await query(`SELECT count(pg_advisory_xact_lock(hashtextextended($1 || k, 0))) FROM (SELECT k FROM unnest($2::text[]) AS k ORDER BY k) AS sorted`, [`${table}:`, keys]);
  await query(`SELECT 1 FROM ${table} WHERE key = ANY($1::text[]) AND state IN ('queued', 'retrying') AND started_at IS NULL FOR UPDATE`, [keys]);
  const { rows } = await query<HolderRow>(`SELECT id, key, started_at, run_at, created_at FROM ${table} WHERE key = ANY($1::text[]) AND ${unfinished} ORDER BY seq DESC`, [keys]);
  const holders = new Map<string, KeyHolder[]>();
  for (const row of rows) {
    const list = holders.get(row.key) ?? [];
    list.push({ id: row.id, started: row.started_at !== null, runAt: Number(row.run_at), createdAt: Number(row.created_at) });
    holders.set(row.key, list);
  }
  const inserts: NewJob[] = [];
  const replacements = new Map<string, { payload: unknown; runAt: number }>();
  const results = jobs.map((job): EnqueueResult => {
    if (job.key === undefined) {
      inserts.push(job);
      return { id: job.id, created: true };
    }
    const list = holders.get(job.key) ?? [];
    const decision = decideDedupe(job, list, now);
    if (decision.action === 'drop') return { id: decision.id, created: false };
    if (decision.action === 'replace') {
      replacements.set(decision.id, { payload: job.payload, runAt: decision.runAt });
      const holder = list.find((candidate) => candidate.id === decision.id);
      if (holder !== undefined) holder.runAt = decision.runAt;
      return { id: decision.id, created: false, replaced: true };
    }
    inserts.push(job);
    holders.set(job.key, [{ id: job.id, started: false, runAt: job.runAt, createdAt: job.createdAt }, ...list]);
    return { id: job.id, created: true };
  });
  await target.insert(inserts);
  if (replacements.size > 0) {
    const entries = [...replacements];
    await query(
      `UPDATE ${table} AS j SET payload = r.payload::json, run_at = r.run_at, updated_at = $4
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(id, payload, run_at) WHERE j.id = r.id`,
      [textArrayLiteral(entries.map(([id]) => id)), textArrayLiteral(entries.map(([, value]) => encodeJson(value.payload))), integerArrayLiteral(entries.map(([, value]) => value.runAt)), now],
    );
  }
  return results;
}
