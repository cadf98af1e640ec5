import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../../src/backends/postgres/create-postgres-backend.js';
import { createManager } from '../../src/backends/postgres/manage-jobs.js';
import { channelOf, quoteIdentifier, type PostgresContext, type RunQuery } from '../../src/backends/postgres/postgres-context.js';
import { defaultRetention } from '../../src/jobs/backend-errors.js';
import { claimOne, eventually, newJob } from '../../src/testing/conformance-helpers.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';

const postgresUp = await postgresAvailable();
const schemas: string[] = [];

afterAll(async () => {
  if (postgresUp) for (const schema of schemas) await dropPostgresSchema(schema);
});

/** The backend's own cancel statement, run on `client` (inside the transaction the test holds open). */
function cancelOn(client: pg.Client, schemaName: string): (id: string) => Promise<boolean> {
  const schema = quoteIdentifier(schemaName);
  const query: RunQuery = async (text, values) => {
    const result = await client.query({ text, values: [...values] });
    return { rows: result.rows as never[], rowCount: result.rowCount };
  };
  const context: PostgresContext = {
    query,
    transaction: () => Promise.reject(new Error('not used by cancel')),
    schema,
    table: `${schema}.jobs`,
    workers: `${schema}.workers`,
    channel: channelOf(schemaName),
    now: Date.now,
    retention: defaultRetention,
  };
  return createManager(context).cancel;
}

describe.skipIf(!postgresUp)('postgres heartbeat racing a cancel', () => {
  it('reports a job cancelled, not lost, when the cancel commits while the heartbeat statement runs', async () => {
    const schemaName = uniquePostgresSchema('heartbeat_cancel');
    schemas.push(schemaName);
    const backend = createPostgresBackend({ connectionString: testPostgresUrl, schema: schemaName, poolSize: 2 });
    const client = new pg.Client({ connectionString: testPostgresUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const job = newJob();
      await backend.enqueue([job]);
      const claimed = await claimOne(backend);
      const lease = { jobId: claimed.jobId, token: claimed.token, leaseUntil: claimed.leaseUntil };
      // The cancel holds the row, uncommitted, while the heartbeat starts: the heartbeat's
      // statement takes its snapshot, then waits for the row, then sees the cancel committed.
      await client.query('BEGIN');
      expect(await cancelOn(client, schemaName)(job.id)).toBe(true);
      const beat = backend.heartbeat([lease], 30_000);
      await eventually(async () => {
        const { rows } = await client.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
          [`%${quoteIdentifier(schemaName)}.jobs%lease_until%`],
        );
        expect(rows[0]?.waiting).toBe(1);
      });
      await client.query('COMMIT');
      expect(await beat).toEqual(['cancelled']);
      // The worker then records the cancellation with the lease it still holds.
      await backend.cancelled(lease);
      expect(await backend.get(job.id)).toMatchObject({ state: 'cancelled' });
    } finally {
      await client.end();
      await backend.close();
    }
  });
});
