import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import type { SqliteContext } from './sqlite-context.js';
import { holdersSql, insertSql, replaceSql, storeNewJob, type NewJobStatements } from './store-new-job.js';

/**
 * Makes the `enqueue` operation. A batch is one IMMEDIATE transaction: a dedupe key's holders are
 * read and the job inserted (or the holder's payload replaced) under the write lock, so two
 * processes enqueueing the same key at once get one job. A single job without a key needs no
 * explicit transaction (one INSERT is atomic), which keeps one-by-one enqueue at a single statement.
 */
export function createEnqueue(context: SqliteContext): (jobs: readonly NewJob[]) => EnqueueResult[] {
  const { db } = context;
  const statements: NewJobStatements = { holders: db.prepare(holdersSql), insert: db.prepare(insertSql), replace: db.prepare(replaceSql) };

  const insertMany = db.immediate((jobs: readonly NewJob[], now: number) => jobs.map((job) => storeNewJob(statements, job, now)));

  return function enqueue(jobs) {
    if (jobs.length === 0) return [];
    const only = jobs[0];
    const now = context.now();
    const results = jobs.length === 1 && only !== undefined && only.key === undefined ? [storeNewJob(statements, only, now)] : insertMany(jobs, now);
    // A replaced payload can make a debounced job due sooner than a waiting worker expects: wake them too.
    if (results.some((result) => result.created || result.replaced === true)) context.notify();
    return results;
  };
}
