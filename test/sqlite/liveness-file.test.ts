/**
 * The worker-liveness file beside a SQLite queue (`<path>-liveness`), on a real file: its WAL stays
 * small, and a claim reads the records of the workers holding running jobs only, however many
 * records of dead workers the file keeps (they are kept a day).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaimNow } from '../../src/backends/sqlite/claim-jobs.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { createLivenessRecords, livenessPath, livenessWalLimitBytes, openLivenessDatabase, type LivenessRecords } from '../../src/backends/sqlite/liveness-records.js';
import { createLivenessWriter } from '../../src/backends/sqlite/liveness-writer.js';
import { openDatabase } from '../../src/backends/sqlite/open-database.js';
import type { SqliteContext } from '../../src/backends/sqlite/sqlite-context.js';
import { createClaim } from '../../src/backends/sqlite/wait-for-jobs.js';
import type { SqliteDriverName } from '../../src/backends/sqlite/sqlite-driver.js';
import { defaultRetention } from '../../src/jobs/backend-errors.js';

// The driver the run asks for (the backend reads it itself; these tests open the files directly).
const driver: SqliteDriverName | undefined = process.env.ERRAND_SQLITE_DRIVER === 'node:sqlite' ? 'node:sqlite' : undefined;

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-liveness-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function walBytes(path: string): number {
  try {
    return statSync(`${livenessPath(path)}-wal`).size;
  } catch {
    return 0;
  }
}

// The WAL of the liveness file before its own limits: checkpointed every 1,000 pages and never
// truncated below the queue's 64 MiB, it stayed at about 4 MiB (1,000 pages of 4 KiB and their
// frame headers) for a table of a few rows.
const oldHighWater = 4 * 1024 * 1024;

describe('the liveness file', () => {
  it('keeps its WAL to a few hundred KiB while a worker beats thousands of times', async () => {
    const path = join(dir, 'beats.db');
    const writer = createLivenessWriter({ path, busyTimeoutMs: 5_000, driver });
    try {
      let largest = 0;
      for (let beat = 0; beat < 3_000; beat++) {
        await writer.beat('worker-a', 3_000);
        largest = Math.max(largest, walBytes(path));
      }
      expect(largest).toBeGreaterThan(0);
      expect(largest).toBeLessThan(2 * livenessWalLimitBytes);
      expect(largest).toBeLessThan(oldHighWater / 8);
    } finally {
      await writer.close();
    }
  });

  it('truncates a WAL that a long reader let grow, once the reader is gone and a checkpoint restarts it', async () => {
    const path = join(dir, 'reader.db');
    const writer = createLivenessWriter({ path, busyTimeoutMs: 5_000, driver });
    const reader = openLivenessDatabase(path, 5_000, driver);
    try {
      await writer.beat('worker-a', 3_000);
      // A dashboard's read that lasts: no checkpoint can restart the WAL under it.
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) AS n FROM errand_workers').get();
      for (let beat = 0; beat < 1_000; beat++) await writer.beat('worker-a', 3_000);
      const grown = walBytes(path);
      expect(grown).toBeGreaterThan(oldHighWater);
      reader.exec('COMMIT');
      for (let beat = 0; beat < 200; beat++) await writer.beat('worker-a', 3_000);
      expect(walBytes(path)).toBeLessThan(2 * livenessWalLimitBytes);
    } finally {
      reader.close();
      await writer.close();
    }
  });
});

/** The real records of the file, and the sizes of the questions a claim asked them. */
function recordedLiveness(path: string): { liveness: LivenessRecords; asked: number[] } {
  const records = createLivenessRecords(path, 5_000, driver);
  const asked: number[] = [];
  return {
    asked,
    liveness: {
      ...records,
      lapsed(now, among) {
        asked.push(among.length);
        return records.lapsed(now, among);
      },
    },
  };
}

describe('a claim beside 20,000 records of dead workers', () => {
  it('asks the liveness file about the workers holding running jobs only, and still takes back a dead worker\'s job', async () => {
    const path = join(dir, 'claims.db');
    const backend = createSqliteBackend({ path });
    const { liveness, asked } = recordedLiveness(path);
    const db = openDatabase(path, 5_000, driver);
    const context: SqliteContext = { db, now: Date.now, retention: defaultRetention, liveness, notify: () => undefined };
    const claimNow = createClaimNow(context);
    const claim = createClaim(context, claimNow, new Set(), { minPollMs: 5, maxPollMs: 20 }, () => false);
    try {
      const now = Date.now();
      await backend.enqueue(['a', 'b', 'c'].map((id) => ({ id, task: 't', payload: undefined, runAt: now, priority: 0, maxAttempts: 3, createdAt: now })));
      // Nothing running: the liveness file is not asked at all.
      expect(claimNow({ workerId: 'judge', tasks: ['other'], limit: 1, leaseMs: 30_000 })).toEqual([]);
      expect(asked).toEqual([]);

      // A worker claims `a` with a lease of ten minutes, then dies: only its lapsed record tells.
      const [taken] = await backend.claim({ workerId: 'gone', tasks: ['t'], limit: 1, leaseMs: 600_000, waitMs: 0 });
      const records = openLivenessDatabase(path, 5_000, driver);
      try {
        const insert = records.prepare('INSERT INTO errand_workers (id, beat_at, alive_until) VALUES (?, ?, ?)');
        records.immediate(() => {
          for (let index = 0; index < 20_000; index++) insert.run(`dead-${index}`, now - 90_000 - index, now - 87_000 - index);
          insert.run('gone', now - 4_000, now - 1_000);
        })();
      } finally {
        records.close();
      }

      const jobs = claimNow({ workerId: 'judge', tasks: ['t'], limit: 10, leaseMs: 30_000 });
      expect(jobs.map((job) => job.jobId).sort()).toEqual(['a', 'b', 'c']);
      expect(jobs.find((job) => job.jobId === taken?.jobId)?.attempt).toBe(2);
      // One question about one worker, not 20,001 records read.
      expect(asked).toEqual([1]);

      // A waiting claim's polls ask the same way: about the one worker running jobs now.
      asked.length = 0;
      expect(await claim({ workerId: 'judge', tasks: ['t'], limit: 1, leaseMs: 30_000, waitMs: 200 })).toEqual([]);
      expect(asked.length).toBeGreaterThan(1);
      expect(new Set(asked)).toEqual(new Set([1]));
    } finally {
      liveness.close();
      db.close();
      await backend.close();
    }
  });
});
