import { parseArgs } from 'node:util';
import pg from 'pg';
import { defaultQueueUrl, parsePostgresQueueUrl, queueUrlFromEnv } from '../backends/from-url.js';
import { defaultSchema, migratePostgres } from '../backends/postgres/migrate.js';
import type { CliCommand } from './main.js';
import { withBackend, type CliIo } from './stats-command.js';

const usage = `usage: errand migrate [--queue <url>]

Applies errand's pending schema migrations to the queue and prints the versions applied.
Backends also migrate when they first open the queue; run this ahead of a deploy, or where the
application's database role may not run DDL (then give the backend migrate: false).

options:
  --queue <url>   postgres://user@host/db[?schema=errand], sqlite:path.db or a file path
                  (env ERRAND_QUEUE, else $ERRAND_DATA_DIR/errand.db, default ${defaultQueueUrl})`;

/**
 * `errand migrate`. Postgres: `migratePostgres` on the URL's schema. SQLite: opening the file
 * migrates it. Redis and memory have no schema.
 *
 * @example
 * process.exitCode = await runMigrate(['--queue', 'postgres://app@db/app?schema=jobs'])
 */
export async function runMigrate(argv: string[], io: CliIo = { out: (text) => console.log(text), err: (text) => console.error(text) }): Promise<number> {
  let queue: string | undefined;
  try {
    ({ values: { queue } } = parseArgs({ args: argv, options: { queue: { type: 'string' } } }));
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 1;
  }
  const url = queue ?? queueUrlFromEnv();
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { connectionString, schema = defaultSchema } = parsePostgresQueueUrl(url);
    const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: 5_000 });
    try {
      const applied = await migratePostgres(pool, schema);
      io.out(applied.length === 0 ? `schema "${schema}" is up to date` : `schema "${schema}": applied migrations ${applied.join(', ')}`);
      return 0;
    } finally {
      await pool.end();
    }
  }
  if (/^(rediss?|memory):/.test(url)) {
    io.out(`${url.split(':')[0] ?? url} queues have no schema to migrate`);
    return 0;
  }
  // Opening the SQLite file applies its migrations.
  await withBackend(io, url, (backend) => Promise.resolve(io.out(`${backend.name} is up to date`)));
  return 0;
}

export const migrateCommand: CliCommand = {
  summary: "apply errand's schema migrations to the queue (Postgres, SQLite)",
  usage,
  run: (argv) => runMigrate(argv),
};
