import type { Completion, Lease } from '../../jobs/backend.js';
import { leaseLostError } from '../../jobs/backend-errors.js';
import { encodeJson, tokenSeq } from './job-row.js';
import type { PostgresContext } from './postgres-context.js';
import { durationBoundsMs } from '../../jobs/job-series.js';

/** `complete` and its batch form. */
export interface Completer {
  complete: (lease: Lease, result: unknown) => Promise<void>;
  /** `true` per stored completion, `false` per lost lease, in order. */
  completeMany: (completions: readonly Completion[]) => Promise<boolean[]>;
}

/**
 * Makes `complete` and `completeMany`. A batch is one UPDATE over `unnest` of (seq, token, result):
 * one round trip and one commit for every job a worker finished in a turn. Each row changes only
 * when its token is still current and it is running (fencing); the statement returns the rows it
 * changed, which tells stored from lost.
 */
export function createCompleter(context: PostgresContext): Completer {
  const { table, query, schema } = context;
  // The batch's time series (migration 7) and finished counts (migration 10): one upsert each per task, in the same statement as the completions.
  const run = `greatest(0, $4 - coalesce(started_at, $4))`;
  const wait = `greatest(0, coalesce(started_at, $4) - run_at)`;
  const counters = ['succeeded', 'run_ms', 'wait_ms', ...durationBoundsMs.map((_, i) => `r${i}`), ...durationBoundsMs.map((_, i) => `w${i}`)];
  const sums = ['count(*)', `sum(${run})`, `sum(${wait})`, ...durationBoundsMs.map((b) => `count(*) FILTER (WHERE ${run} <= ${b})`), ...durationBoundsMs.map((b) => `count(*) FILTER (WHERE ${wait} <= ${b})`)];
  const text = `WITH done AS (
      UPDATE ${table} AS j SET state = 'succeeded', result = c.result::json, token = NULL, lease_until = NULL, finished_at = $4, updated_at = $4,
        history = j.history || jsonb_build_object('at', $4::bigint, 'type', 'succeeded', 'attempt', j.attempts)
      FROM unnest($1::bigint[], $2::text[], $3::text[]) AS c(seq, token, result)
      WHERE j.seq = c.seq AND j.token = c.token AND j.state = 'running'
      RETURNING c.token, j.task, j.started_at, j.run_at
    ), added AS (
      INSERT INTO ${schema}.series AS s (minute, task, shard, ${counters.join(', ')})
      SELECT $4::bigint - $4::bigint % 60000, task, pg_backend_pid() % 16, ${sums.join(', ')} FROM done GROUP BY task
      ON CONFLICT (minute, task, shard) DO UPDATE SET ${counters.map((c) => `${c} = s.${c} + excluded.${c}`).join(', ')}
    ), counted AS (
      INSERT INTO ${schema}.finished_counts AS f (task, state, shard, n)
      SELECT task, 'succeeded', pg_backend_pid() % 16, count(*) FROM done GROUP BY task ORDER BY task
      ON CONFLICT (task, state, shard) DO UPDATE SET n = f.n + excluded.n
    ), pruned AS (
      DELETE FROM ${schema}.series WHERE minute < $4::bigint - 90000000
    )
    SELECT token FROM done`;

  async function completeMany(completions: readonly Completion[]): Promise<boolean[]> {
    if (completions.length === 0) return [];
    const results = completions.map((completion) => encodeJson(completion.result));
    const { rows } = await query<{ token: string }>(
      text,
      [completions.map((completion) => tokenSeq(completion.lease.token)), completions.map((completion) => completion.lease.token), results, context.now()],
      `errand-complete-${context.schema}`,
    );
    const stored = new Set(rows.map((row) => row.token));
    return completions.map((completion) => stored.has(completion.lease.token));
  }

  return {
    completeMany,
    async complete(lease, result) {
      const [stored] = await completeMany([{ lease, result }]);
      if (stored !== true) throw leaseLostError(lease.jobId);
    },
  };
}
