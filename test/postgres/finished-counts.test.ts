import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../../src/backends/postgres/create-postgres-backend.js';
import { migratePostgres } from '../../src/backends/postgres/migrate.js';
import { migrations } from '../../src/backends/postgres/migrations/index.js';
import type { NewJob } from '../../src/jobs/job.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';

const postgresUp = await postgresAvailable();
const schemas: string[] = [];

afterAll(async () => {
  if (postgresUp) for (const schema of schemas) await dropPostgresSchema(schema);
});

function newJob(task: string): NewJob {
  const now = Date.now();
  return { id: randomUUID(), task, payload: null, runAt: now, priority: 0, maxAttempts: 1, createdAt: now };
}

describe.skipIf(!postgresUp)('finished job counts (postgres)', () => {
  it('keeps finished counts exact through completion, failure, cancel, retry, removal and prune, and counts jobs finished before the migration', async () => {
    const schema = uniquePostgresSchema('counts');
    schemas.push(schema);
    // A schema as errand left it before the counts, holding finished jobs.
    const pool = new pg.Pool({ connectionString: testPostgresUrl, max: 1 });
    try {
      await migratePostgres(pool, schema, migrations.filter((migration) => migration.version < 10));
      await pool.query(`INSERT INTO "${schema}".jobs (id, task, state, priority, run_at, max_attempts, created_at, finished_at, updated_at)
        VALUES ('old-1', 'race', 'succeeded', 0, 0, 1, 0, 0, 0), ('old-2', 'race', 'dead', 0, 0, 1, 0, 0, 0), ('old-3', 'race', 'succeeded', 0, 0, 1, 0, 0, 0)`);
    } finally {
      await pool.end();
    }
    const backend = createPostgresBackend({ connectionString: testPostgresUrl, schema, retention: { succeededMs: 60_000 } });
    try {
      expect((await backend.stats()).counts).toMatchObject({ succeeded: 2, dead: 1 });
      expect((await backend.list({ state: 'dead' })).total).toBe(1);
      const [a, b, c] = [newJob('race'), newJob('race'), newJob('other')];
      await backend.enqueue([a, b, c]);
      const leases = await backend.claim({ workerId: 'w', tasks: ['race'], limit: 2, leaseMs: 30_000, waitMs: 0 });
      expect(leases).toHaveLength(2);
      await backend.complete(leases[0], null);
      await backend.fail(leases[1], { error: { type: 'about:blank', title: 'x', status: 500 }, retryAt: null });
      expect(await backend.cancel(c.id)).toBe(true);
      expect((await backend.stats()).byTask).toEqual({ race: { succeeded: 3, dead: 2 }, other: { cancelled: 1 } });
      expect(await backend.retry('old-2')).toBe(true);
      expect(await backend.remove('old-1')).toBe(true);
      // old-3 finished at 0: past the minute's retention; the two finished just now are kept.
      expect(await backend.prune()).toBe(1);
      const stats = await backend.stats();
      expect(stats.byTask).toEqual({ race: { succeeded: 1, dead: 1, queued: 1 }, other: { cancelled: 1 } });
      expect(stats.counts).toMatchObject({ succeeded: 1, dead: 1, queued: 1, cancelled: 1, running: 0 });
      expect((await backend.list({ task: 'race' })).total).toBe(3);
      expect((await backend.list()).total).toBe(4);
      expect((await backend.list({ state: 'cancelled' })).total).toBe(1);
    } finally {
      await backend.close();
    }
  });
});
