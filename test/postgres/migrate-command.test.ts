import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/backends/postgres/migrations/index.js';
import { runMigrate } from '../../src/cli/migrate-command.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';

const postgresUp = await postgresAvailable();
const schema = uniquePostgresSchema('migrate');

afterAll(async () => {
  if (postgresUp) await dropPostgresSchema(schema);
});

describe.skipIf(!postgresUp)('errand migrate (postgres)', () => {
  it('creates the schema and its tables once, and says so; a second run has nothing to do', async () => {
    const versions = migrations.map((migration) => migration.version);
    const url = new URL(testPostgresUrl);
    url.searchParams.set('schema', schema);
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
    expect(await runMigrate(['--queue', url.toString()], io)).toBe(0);
    expect(await runMigrate(['--queue', url.toString()], io)).toBe(0);
    expect(out).toEqual([`schema "${schema}": applied migrations ${versions.join(', ')}`, `schema "${schema}" is up to date`]);
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
      expect(rows.map((row) => row.version)).toEqual(versions);
    } finally {
      await client.end();
    }
  });
});
