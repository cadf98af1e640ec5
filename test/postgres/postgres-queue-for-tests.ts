import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresBackend } from '../../src/backends/postgres/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';
import { dropPostgresSchema, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';

/** A file's Postgres queue: the app's pool, errand's tables in their own schema, and a queue on them. */
export interface PostgresQueueForTests {
  /** The schema of errand's tables (and of the app's, when `setup` makes some). */
  readonly schema: string;
  /** The app's pool, shared with the backend, as an app that enqueues in its transactions has. */
  readonly pool: pg.Pool;
  readonly backend: JobBackend;
  readonly queue: Queue;
}

/**
 * Before the file's tests (when `postgresUp`): a pool of 4, the backend on it in a unique schema
 * named after `name`, migrated, then `setup` (the app's own tables); after them, everything closed
 * and the schema dropped. Read the fields inside tests and hooks.
 */
export function postgresQueueForTests(name: string, postgresUp: boolean, setup?: (pool: pg.Pool, schema: string) => Promise<unknown>): PostgresQueueForTests {
  const schema = uniquePostgresSchema(name);
  let opened: { pool: pg.Pool; backend: JobBackend; queue: Queue } | undefined;
  const open = (): { pool: pg.Pool; backend: JobBackend; queue: Queue } => {
    if (opened === undefined) throw new Error(`the ${name} queue is not open: read it inside a test or hook (and only when Postgres is up)`);
    return opened;
  };

  beforeAll(async () => {
    if (!postgresUp) return;
    const pool = new pg.Pool({ connectionString: testPostgresUrl, max: 4 });
    const backend = createPostgresBackend({ pool, schema });
    opened = { pool, backend, queue: createQueue({ backend }) };
    await backend.stats();
    await setup?.(pool, schema);
  });

  afterAll(async () => {
    if (opened === undefined) return;
    await opened.backend.close();
    await opened.pool.end();
    await dropPostgresSchema(schema);
  });

  return {
    schema,
    get pool() {
      return open().pool;
    },
    get backend() {
      return open().backend;
    },
    get queue() {
      return open().queue;
    },
  };
}
