import { describe } from 'vitest';
import type { JobBackend } from '../../jobs/backend.js';
import { describeBackendConformance } from '../../testing/conformance.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../testing/postgres.js';
import { createPostgresBackend } from './create-postgres-backend.js';

// Decided once, before any test registers: skip loudly, or fail under ERRAND_REQUIRE_POSTGRES=1.
const postgresUp = await postgresAvailable();
const schemas = new WeakMap<JobBackend, string>();
// The races of conformance-dedupe.ts (two connections at once) put 36 keyed transactions at once
// on each pool of 4, so their last calls wait in pg-pool's queue for about the whole batch, a wait
// pg-pool bounds by connectTimeoutMs ('timeout exceeded when trying to connect': its queue, not a
// connection attempt). At nice 19 on a machine at load 19 to 40 the batch took 7.6 to 20 s, past
// the 5 s default, which then measures the machine, not Postgres. A minute stays a deadline against
// a hang; the backend's answer to a pool that stays busy (ERRAND_BACKEND_UNAVAILABLE once no
// connection was free within connectTimeoutMs) is the documented one and stays as it is.
const pool = { poolSize: 4, connectTimeoutMs: 60_000 };

describe.skipIf(!postgresUp)('postgres backend', () => {
  describeBackendConformance('postgres', {
    create: async ({ retention }) => {
      const schema = uniquePostgresSchema('conformance');
      const backend = createPostgresBackend({ connectionString: testPostgresUrl, schema, ...pool, ...(retention === undefined ? {} : { retention }) });
      schemas.set(backend, schema);
      // Migrate before the test starts its clock (timing tests allow 300 ms, a cold migration can take that on a loaded machine).
      await backend.stats();
      return backend;
    },
    cleanup: async (backend) => {
      const schema = schemas.get(backend);
      if (schema !== undefined) await dropPostgresSchema(schema);
    },
    createPeer: (backend) => Promise.resolve(createPostgresBackend({ connectionString: testPostgresUrl, schema: schemas.get(backend) ?? '', ...pool, migrate: false })),
  });
});
