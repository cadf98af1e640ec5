import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Where tests find PostgreSQL. `ERRAND_TEST_POSTGRES_URL` overrides it. @default 'postgres://postgres@127.0.0.1:5432/postgres' */
export const testPostgresUrl = process.env.ERRAND_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a Postgres test must fail (not skip) when Postgres cannot be reached: CI sets ERRAND_REQUIRE_POSTGRES=1. */
export function isPostgresRequired(): boolean {
  return process.env.ERRAND_REQUIRE_POSTGRES === '1';
}

/**
 * Answers whether PostgreSQL is reachable at `url`, within about two seconds. When it is not, warns
 * loudly, or throws when ERRAND_REQUIRE_POSTGRES=1 so CI cannot pass by skipping.
 *
 * @example
 * const postgresUp = await postgresAvailable();
 * describe.skipIf(!postgresUp)('postgres backend', () => { … });
 */
export async function postgresAvailable(url: string = testPostgresUrl): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.query('SELECT 1');
    return true;
  } catch (error) {
    const message = `PostgreSQL is not reachable at ${url} (${error instanceof Error ? error.message : String(error)}).`;
    if (isPostgresRequired()) throw new Error(`${message} ERRAND_REQUIRE_POSTGRES=1, so Postgres tests fail instead of skipping.`);
    console.warn(`\n!!! ${message} SKIPPING the Postgres tests. Start PostgreSQL or set ERRAND_TEST_POSTGRES_URL; CI sets ERRAND_REQUIRE_POSTGRES=1 to make this a failure.\n`);
    return false;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/** A fresh schema name for one test: nothing else shares its tables. */
export function uniquePostgresSchema(label = 'test'): string {
  return `errand_${label.replaceAll(/[^a-z0-9_]/gi, '_')}_${randomUUID().slice(0, 8)}`;
}

/** Drops a test's schema and everything in it. */
export async function dropPostgresSchema(schema: string, url: string = testPostgresUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}
