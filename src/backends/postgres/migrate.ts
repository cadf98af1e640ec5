import type pg from 'pg';
import { ErrandError } from '../../errors/errand-error.js';
import { migrations as defaultMigrations, type PostgresMigration } from './migrations/index.js';
import { quoteIdentifier } from './postgres-context.js';

/** The schema errand's tables live in when none is given. */
export const defaultSchema = 'errand';

/**
 * Brings errand's tables in `schema` up to date, in one transaction that first takes an advisory
 * lock on the schema's name: when several processes start at once, one migrates and the others
 * wait, then find the work recorded. Idempotent. A schema migrated by a newer errand is refused
 * (ERRAND_BACKEND_CONFIG) rather than written with an old layout.
 *
 * @returns the versions applied by this call (empty when the schema was current).
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * await migratePostgres(pool, 'errand') // [1] the first time, [] afterwards
 */
export async function migratePostgres(pool: pg.Pool | pg.ClientBase, schema: string = defaultSchema, migrations: readonly PostgresMigration[] = defaultMigrations): Promise<number[]> {
  const client = 'totalCount' in pool ? await pool.connect() : pool;
  const quoted = quoteIdentifier(schema);
  try {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`errand:migrate:${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
      const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoted}.migrations`);
      const current = rows[0]?.version ?? 0;
      const latest = migrations.at(-1)?.version ?? 0;
      if (current > latest) {
        throw new ErrandError('ERRAND_BACKEND_CONFIG', `the Postgres queue schema ${quoted} is at version ${current} but this errand knows only up to ${latest}; upgrade errand`);
      }
      const applied: number[] = [];
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query(migration.sql.replaceAll(':schema', quoted));
        await client.query(`INSERT INTO ${quoted}.migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [migration.version, migration.name, Date.now()]);
        applied.push(migration.version);
      }
      await client.query('COMMIT');
      return applied;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    if (client !== pool) (client as pg.PoolClient).release();
  }
}
