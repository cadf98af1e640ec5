import type { EnqueueResult, NewJob } from '../../jobs/job.js';
import { encodeJson } from './job-row.js';
import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes the `enqueue` operation. A batch is one IMMEDIATE transaction: a dedupe key is looked up
 * and the job inserted under the write lock, so two processes enqueueing the same key at once get
 * one job. A single job without a key needs no explicit transaction (one INSERT is atomic), which
 * keeps one-by-one enqueue at a single statement.
 */
export function createEnqueue(context: SqliteContext): (jobs: readonly NewJob[]) => EnqueueResult[] {
  const { db } = context;
  const insert = db.prepare(
    `INSERT INTO errand_jobs (id, task, payload, state, priority, run_at, key, max_attempts, created_at, updated_at, history, meta, group_key)
     VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const findByKey = db.prepareValue(`SELECT id FROM errand_jobs WHERE key = ? AND state IN ('queued', 'retrying', 'running')`);

  function insertOne(job: NewJob, now: number): EnqueueResult {
    if (job.key !== undefined) {
      const existing = findByKey.get(job.key) as string | undefined;
      if (existing !== undefined) return { id: existing, created: false };
    }
    // The same text encodeEvent would give, without JSON.stringify on the hot path.
    const history = `{"at":${now},"type":"enqueued"}`;
    insert.run(job.id, job.task, encodeJson(job.payload), job.priority, job.runAt, job.key ?? null, job.maxAttempts, job.createdAt, now, history, encodeJson(job.meta), job.group ?? null);
    return { id: job.id, created: true };
  }

  const insertMany = db.immediate((jobs: readonly NewJob[], now: number) => jobs.map((job) => insertOne(job, now)));

  return function enqueue(jobs) {
    if (jobs.length === 0) return [];
    const only = jobs[0];
    const now = context.now();
    const results = jobs.length === 1 && only !== undefined && only.key === undefined ? [insertOne(only, now)] : insertMany(jobs, now);
    if (results.some((result) => result.created)) context.notify();
    return results;
  };
}
