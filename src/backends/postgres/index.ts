export { createPostgresBackend, type PostgresBackendOptions } from './create-postgres-backend.js';
export { defaultSchema, migratePostgres } from './migrate.js';
