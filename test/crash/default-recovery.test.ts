import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { expectBlockedWorkerKeepsItsJob, expectFastRecoveryWithDefaults } from './default-recovery.js';

/** Crash recovery with the library's default settings, on a SQLite file shared by worker processes. */
const dir = mkdtempSync(join(tmpdir(), 'errand-defaults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('default settings (sqlite)', () => {
  it('runs the job of a kill -9ed worker again within seconds, long before its 30 s lease', async () => {
    await expectFastRecoveryWithDefaults(`sqlite://${join(dir, 'recovery.db')}`, dir, 'sqlite', Number(process.env.CRASH_DEFAULT_KILLS ?? 10));
  }, 240_000);

  it('leaves the job of a worker whose event loop is blocked for 10 s with that worker', async () => {
    await expectBlockedWorkerKeepsItsJob(`sqlite://${join(dir, 'blocked.db')}`, dir);
  }, 180_000);
});
