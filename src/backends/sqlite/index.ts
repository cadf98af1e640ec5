export { createSqliteBackend, type SqliteBackendOptions } from './create-sqlite-backend.js';
export { migrate } from './migrate.js';
