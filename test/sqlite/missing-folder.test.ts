/**
 * SQLite creates the queue's file but not its folder. The first example of docs/jobs.md once put
 * the queue in `./data/errand.db`, and a fresh project has no `data/`: the error must name the
 * folder to create, on both drivers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSqliteBackend, type SqliteBackendOptions } from '../../src/backends/sqlite/index.js';
import { availableSqliteDrivers } from '../../src/backends/sqlite/open-database.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-folder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

for (const driver of availableSqliteDrivers()) {
  it(`names the missing folder of the queue's file (${driver})`, () => {
    const folder = join(dir, 'data');
    const options: SqliteBackendOptions = { path: join(folder, 'errand.db'), driver };
    let thrown: unknown;
    try {
      createSqliteBackend(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'ERRAND_BACKEND_UNAVAILABLE' });
    expect(String((thrown as Error).message)).toContain(`the folder ${folder} does not exist: create it first`);
  });
}
