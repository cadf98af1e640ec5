export { createSqliteBackend, type SqliteBackendOptions } from './create-sqlite-backend.js';
export type { SqliteDriverName } from './sqlite-driver.js';
