import { describe } from 'vitest';
import type { JobBackend } from '../../jobs/backend.js';
import { describeBackendConformance } from '../../testing/conformance.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../testing/postgres.js';
import { createPostgresBackend } from './create-postgres-backend.js';

// Decided once, before any test registers: skip loudly, or fail under ERRAND_REQUIRE_POSTGRES=1.
const postgresUp = await postgresAvailable();
const schemas = new WeakMap<JobBackend, string>();

describe.skipIf(!postgresUp)('postgres backend', () => {
  describeBackendConformance('postgres', {
    create: async ({ retention }) => {
      const schema = uniquePostgresSchema('conformance');
      const backend = createPostgresBackend({ connectionString: testPostgresUrl, schema, poolSize: 4, ...(retention === undefined ? {} : { retention }) });
      schemas.set(backend, schema);
      // Migrate before the test starts its clock (timing tests allow 300 ms, a cold migration can take that on a loaded machine).
      await backend.stats();
      return backend;
    },
    cleanup: async (backend) => {
      const schema = schemas.get(backend);
      if (schema !== undefined) await dropPostgresSchema(schema);
    },
    createPeer: (backend) => Promise.resolve(createPostgresBackend({ connectionString: testPostgresUrl, schema: schemas.get(backend) ?? '', poolSize: 4, migrate: false })),
  });
});
