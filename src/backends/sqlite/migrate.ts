import type { SqliteDatabase } from './sqlite-driver.js';
import { ErrandError } from '../../errors/errand-error.js';
import { migrations as defaultMigrations, type Migration } from './migrations/index.js';

/**
 * Brings the schema up to date. Runs inside one IMMEDIATE transaction so that several processes
 * opening the same file at once serialise here: the first applies the migrations, the others find
 * them recorded and do nothing. Idempotent.
 *
 * @returns the versions applied by this call (empty when the schema was current).
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[] = defaultMigrations): number[] {
  const run = db.immediate((): number[] => {
    db.exec('CREATE TABLE IF NOT EXISTS errand_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const row = db.prepare('SELECT max(version) AS version FROM errand_migrations').get() as { version: number | null };
    const current = row.version ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      // A newer errand migrated this file; an older one must not write rows it does not understand.
      throw new ErrandError('ERRAND_BACKEND_CONFIG', `the SQLite queue schema is at version ${current} but this errand knows only up to ${latest}; upgrade errand`);
    }
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO errand_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    return applied;
  });
  return run();
}
