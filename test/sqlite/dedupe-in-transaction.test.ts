import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';

/** Dedupe modes inside the app's SQLite transaction: decided under its write lock, undone by its ROLLBACK. */
const sync = defineTask('sync-account', { handler: (payload: { v: number }) => payload.v });
let dir = '';
let backend: JobBackend;
let queue: Queue;
let db: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-dedupe-tx-'));
  const path = join(dir, 'app.db');
  backend = createSqliteBackend({ path });
  queue = createQueue({ backend });
  db = new Database(path);
  db.pragma('journal_mode = WAL');
});

afterEach(async () => {
  db.close();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dedupe keys in the app transaction (sqlite)', () => {
  it("'replace' in db.transaction(): the waiting job takes the payload at COMMIT, and keeps its old one after a ROLLBACK", async () => {
    const first = await queue.enqueue(sync, { v: 1 }, { key: 'acct', dedupe: 'replace' });
    let replaced: Promise<string> | undefined;
    expect(() =>
      db.transaction(() => {
        replaced = queue.enqueue(sync, { v: 2 }, { key: 'acct', dedupe: 'replace', tx: db });
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(await replaced).toBe(first);
    expect((await backend.get(first))?.payload).toEqual({ v: 1 });
    db.transaction(() => {
      replaced = queue.enqueue(sync, { v: 3 }, { key: 'acct', dedupe: 'replace', tx: db });
    }).immediate();
    expect(await replaced).toBe(first);
    expect((await backend.get(first))?.payload).toEqual({ v: 3 });
  });

  it("'queued' in the transaction: a job stored beside a running holder exists only after COMMIT", async () => {
    const running = await queue.enqueue(sync, { v: 1 }, { key: 'q', dedupe: 'queued' });
    await backend.claim({ workerId: 'w', tasks: ['sync-account'], limit: 1, leaseMs: 60_000, waitMs: 0 });
    db.exec('BEGIN IMMEDIATE');
    const next = await queue.enqueue(sync, { v: 2 }, { key: 'q', dedupe: 'queued', tx: db });
    expect(next).not.toBe(running);
    expect(await backend.get(next)).toBeUndefined();
    db.exec('COMMIT');
    expect(await backend.get(next)).toMatchObject({ state: 'queued', payload: { v: 2 } });
    expect(await queue.enqueue(sync, { v: 3 }, { key: 'q', dedupe: 'queued' })).toBe(next);
  });
});
