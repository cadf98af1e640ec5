import type { Completion, Lease } from '../../jobs/backend.js';
import { encodeJson } from './job-row.js';
import { tokenSeq } from './leased-row.js';
import { leaseLostError } from '../../jobs/backend-errors.js';
import type { SqliteContext } from './sqlite-context.js';
import { createSucceededWriter, type CompletedRow } from './series-writer.js';

interface PendingCompletion {
  lease: Lease;
  result: string | null;
  /** Told whether the fenced update stored the result. */
  settle: (stored: boolean) => void;
  reject: (error: unknown) => void;
}

/** The `complete` operation and a way to flush it before the database closes. */
export interface Completer {
  complete(lease: Lease, result: unknown): Promise<void>;
  /** The batch form: `true` per stored completion, `false` per lost lease, in order. */
  completeMany(completions: readonly Completion[]): Promise<boolean[]>;
  /** Commits completions still waiting for their batch (called by `close`). */
  flush(): void;
}

/**
 * Makes `complete` with group commit: completions made in the same turn of the event loop (a
 * worker finishing a batch of jobs) share one IMMEDIATE transaction, committed on `setImmediate`.
 * Each promise still settles on its own row: resolved when its fenced UPDATE changed the row,
 * rejected with ERRAND_LEASE_LOST when the token was stale. This is what lets a worker with
 * batched claims finish tens of thousands of jobs a second without a `completeMany` in the contract.
 */
export function createCompleter(context: SqliteContext): Completer {
  const { db } = context;
  const update = db.prepare(
    `UPDATE errand_jobs SET state = 'succeeded', result = ?, token = NULL, lease_until = NULL, finished_at = ?, updated_at = ?,
       history = history || ',' || json_object('at', ?, 'type', 'succeeded', 'attempt', attempts)
     WHERE seq = ? AND token = ? AND state = 'running'
     RETURNING task, started_at, run_at`,
  );
  // The time series and finished counts of the batch, one upsert per task (migration 7).
  const addSucceeded = createSucceededWriter(db);
  const commit = db.immediate((batch: readonly PendingCompletion[], now: number): number[] => {
    const rows: CompletedRow[] = [];
    const changes = batch.map((item) => {
      const row = update.get(item.result, now, now, now, tokenSeq(item.lease.token), item.lease.token) as CompletedRow | undefined;
      if (row === undefined) return 0;
      rows.push(row);
      return 1;
    });
    addSucceeded(rows, now);
    return changes;
  });
  // The batch form needs no per-completion promise or closure: one transaction, one answer per row.
  const commitMany = db.immediate((completions: readonly Completion[], results: readonly (string | null)[], now: number): boolean[] => {
    const stored: boolean[] = new Array<boolean>(completions.length);
    const rows: CompletedRow[] = [];
    for (let index = 0; index < completions.length; index += 1) {
      const token = completions[index].lease.token;
      const row = update.get(results[index], now, now, now, tokenSeq(token), token) as CompletedRow | undefined;
      stored[index] = row !== undefined;
      if (row !== undefined) rows.push(row);
    }
    addSucceeded(rows, now);
    return stored;
  });
  let pending: PendingCompletion[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let changes: number[];
    try {
      changes = commit(batch, context.now());
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => item.settle(changes[index] === 1));
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return {
    flush,
    complete(lease, result) {
      return new Promise<void>((resolve, reject) => {
        // Encode now so an unencodable result fails this call alone, not the whole batch.
        const settle = (stored: boolean): void => (stored ? resolve() : reject(leaseLostError(lease.jobId)));
        pending.push({ lease, result: encodeJson(result), settle, reject });
        schedule();
      });
    },
    completeMany(completions) {
      if (completions.length === 0) return Promise.resolve([]);
      try {
        const results = completions.map((completion) => encodeJson(completion.result));
        // Single completions still waiting keep their place before this batch.
        flush();
        return Promise.resolve(commitMany(completions, results, context.now()));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
