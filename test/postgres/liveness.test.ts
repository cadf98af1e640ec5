import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../../src/backends/postgres/create-postgres-backend.js';
import type { LivenessWriterModule } from '../../src/jobs/backend.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';

const postgresUp = await postgresAvailable();
const schemas: string[] = [];

afterAll(async () => {
  if (postgresUp) for (const schema of schemas) await dropPostgresSchema(schema);
});

function newSchema(): string {
  const schema = uniquePostgresSchema('liveness');
  schemas.push(schema);
  return schema;
}

async function aliveUntil(pool: pg.Pool, schema: string, workerId: string): Promise<number | undefined> {
  const { rows } = await pool.query<{ alive_until: string }>(`SELECT alive_until FROM "${schema}".workers WHERE id = $1`, [workerId]);
  return rows[0] === undefined ? undefined : Number(rows[0].alive_until);
}

describe.skipIf(!postgresUp)('worker liveness records (postgres)', () => {
  it('stores the first beat of a worker that starts before its backend made any call (the writer migrates the schema), on the database clock', async () => {
    const schema = newSchema();
    const backend = createPostgresBackend({ connectionString: testPostgresUrl, schema });
    const pool = new pg.Pool({ connectionString: testPostgresUrl, max: 1 });
    const spec = backend.liveness?.();
    expect(spec).toBeDefined();
    if (spec === undefined) return;
    const writer = await ((await import(spec.moduleUrl)) as LivenessWriterModule).createLivenessWriter(spec.config);
    try {
      await writer.beat('early-worker', 3_000);
      const { rows } = await pool.query<{ now: string }>(`SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now`);
      const databaseNow = Number(rows[0]?.now);
      const until = await aliveUntil(pool, schema, 'early-worker');
      expect(until).toBeGreaterThan(databaseNow);
      expect(until).toBeLessThanOrEqual(databaseNow + 3_000);
      await writer.forget('early-worker');
      expect(await aliveUntil(pool, schema, 'early-worker')).toBeUndefined();
    } finally {
      await writer.close();
      await pool.end();
      await backend.close();
    }
  });

  it('opens the liveness connection with the settings of the app\'s own pool, and offers none when the password is a callback', async () => {
    const schema = newSchema();
    const appPool = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
    const backend = createPostgresBackend({ pool: appPool, schema });
    const callbackPool = new pg.Pool({ connectionString: testPostgresUrl, password: () => Promise.resolve('secret') });
    const withCallback = createPostgresBackend({ pool: callbackPool, schema });
    try {
      const spec = backend.liveness?.();
      if (spec === undefined) throw new Error('no liveness spec for a pool with plain settings');
      // The spec crosses to a thread: it must survive structured cloning.
      const writer = await ((await import(spec.moduleUrl)) as LivenessWriterModule).createLivenessWriter(structuredClone(spec.config));
      try {
        await writer.beat('pooled-worker', 3_000);
        expect(await aliveUntil(appPool, schema, 'pooled-worker')).toBeGreaterThan(0);
      } finally {
        await writer.close();
      }
      expect(withCallback.liveness?.()).toBeUndefined();
    } finally {
      await backend.close();
      await withCallback.close();
      await appPool.end();
      await callbackPool.end();
    }
  });
});
