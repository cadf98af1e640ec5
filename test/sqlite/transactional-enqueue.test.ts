import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type } from 'arktype';
import { z } from 'zod';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { isErrandError } from '../../src/errors/errand-error.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';

/**
 * enqueue(…, { tx }) on SQLite with the app's own handle on the queue's file: the job is written
 * by the app's transaction, so it exists if and only if that transaction commits.
 */
const ship = defineTask('ship-order', { handler: (payload: { orderId: string }) => payload.orderId });
let dir = '';
let backend: JobBackend;
let queue: Queue;
let db: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-tx-'));
  const path = join(dir, 'app.db');
  backend = createSqliteBackend({ path });
  queue = createQueue({ backend });
  db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
});

afterEach(async () => {
  db.close();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('enqueue inside the app transaction (sqlite)', () => {
  it('BEGIN … COMMIT: the job is invisible to workers until the COMMIT', async () => {
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO orders (id) VALUES (?)').run('o-1');
    const id = await queue.enqueue(ship, { orderId: 'o-1' }, { tx: db });
    expect(await backend.get(id)).toBeUndefined();
    db.exec('COMMIT');
    expect(await backend.get(id)).toMatchObject({ state: 'queued', payload: { orderId: 'o-1' } });
    const [job] = await backend.claim({ workerId: 'w', tasks: ['ship-order'], limit: 1, leaseMs: 60_000, waitMs: 0 });
    expect(job?.jobId).toBe(id);
  });

  it('db.transaction(): a payload checked by a synchronous schema is written before the transaction ends, and commits with it', async () => {
    const checked = defineTask('ship-checked', { schema: z.object({ orderId: z.string() }), handler: (payload) => payload.orderId });
    let id: Promise<string> | undefined;
    let ids: Promise<string[]> | undefined;
    const placeOrder = db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (?)').run('o-3');
      // No await: the transaction commits when this callback returns.
      id = queue.enqueue(checked, { orderId: 'o-3' }, { tx: db });
      ids = queue.enqueueMany([{ task: checked, payload: { orderId: 'o-3b' } }], { tx: db });
    });
    placeOrder();
    expect(await backend.get(await id!)).toMatchObject({ state: 'queued', task: 'ship-checked', payload: { orderId: 'o-3' } });
    expect(await backend.get((await ids!)[0])).toMatchObject({ state: 'queued', payload: { orderId: 'o-3b' } });
  });

  it('db.transaction(): the same with an arktype schema (a function, not an object, that validates synchronously)', async () => {
    const checked = defineTask('ship-ark', { schema: type({ orderId: 'string' }), handler: (payload) => payload.orderId });
    let id: Promise<string> | undefined;
    db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (?)').run('o-4');
      id = queue.enqueue(checked, { orderId: 'o-4' }, { tx: db });
    })();
    expect(await backend.get(await id!)).toMatchObject({ state: 'queued', task: 'ship-ark', payload: { orderId: 'o-4' } });
  });

  it('db.transaction(): a throw rolls back the order and the job together', async () => {
    let id: Promise<string> | undefined;
    const placeOrder = db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (?)').run('o-2');
      id = queue.enqueue(ship, { orderId: 'o-2' }, { tx: db });
      throw new Error('payment declined');
    });
    expect(() => placeOrder()).toThrow('payment declined');
    expect(await backend.get(await id!)).toBeUndefined();
    expect(db.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 0 });
  });

  it('enqueueMany in db.transaction(): all jobs commit with the order, and a throw rolls all of them back', async () => {
    let kept: Promise<string[]> | undefined;
    db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (?)').run('bulk-1');
      kept = queue.enqueueMany(Array.from({ length: 120 }, (_, line) => ({ task: ship, payload: { orderId: `bulk-1:${line}` } })), { tx: db });
    })();
    const keptIds = await kept!;
    expect(keptIds).toHaveLength(120);
    const stored = await Promise.all(keptIds.map((id) => backend.get(id)));
    expect(stored.map((job) => job?.state)).toEqual(keptIds.map(() => 'queued'));
    let dropped: Promise<string[]> | undefined;
    const placeOrder = db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (?)').run('bulk-2');
      dropped = queue.enqueueMany([{ task: ship, payload: { orderId: 'bulk-2:a' } }, { task: ship, payload: { orderId: 'bulk-2:b' } }], { tx: db });
      throw new Error('payment declined');
    });
    expect(() => placeOrder()).toThrow('payment declined');
    const droppedIds = await dropped!;
    expect(droppedIds).toHaveLength(2);
    expect(await Promise.all(droppedIds.map((id) => backend.get(id)))).toEqual([undefined, undefined]);
    expect(db.prepare('SELECT id FROM orders').all()).toEqual([{ id: 'bulk-1' }]);
  });

  it('enqueueManyWithOutcome in db.transaction(): written before the transaction ends, one outcome per item, the keys applied in order', async () => {
    let answered: ReturnType<Queue['enqueueManyWithOutcome']> | undefined;
    db.transaction(() => {
      db.prepare('INSERT INTO orders (id) VALUES (?)').run('keyed-1');
      answered = queue.enqueueManyWithOutcome(
        [
          { task: ship, payload: { orderId: 'keyed-1:a' }, options: { key: 'ship:keyed-1', dedupe: 'replace', delay: 60_000 } },
          { task: ship, payload: { orderId: 'keyed-1:b' }, options: { key: 'ship:keyed-1', dedupe: 'replace' } },
          { task: ship, payload: { orderId: 'keyed-1:c' } },
        ],
        { tx: db },
      );
    })();
    const [first, second, third] = await answered!;
    expect([first?.outcome, second?.outcome, third?.outcome]).toEqual(['stored', 'replaced', 'stored']);
    expect(second?.id).toBe(first?.id);
    expect(await backend.get(first?.id ?? '')).toMatchObject({ state: 'delayed', payload: { orderId: 'keyed-1:b' } });
    expect(await backend.get(third?.id ?? '')).toMatchObject({ state: 'queued' });
  });

  it('enqueueMany refuses items that name other transactions than the call, or only some of them', async () => {
    const other = new Database(join(dir, 'app.db'));
    try {
      db.exec('BEGIN IMMEDIATE');
      const mixed = await queue.enqueueMany([{ task: ship, payload: { orderId: 'm-1' }, options: { tx: other } }], { tx: db }).catch((error: unknown) => error);
      expect(mixed).toBeInstanceOf(RangeError);
      const partial = await queue.enqueueMany([{ task: ship, payload: { orderId: 'm-2' }, options: { tx: db } }, { task: ship, payload: { orderId: 'm-3' } }]).catch((error: unknown) => error);
      expect(partial).toBeInstanceOf(RangeError);
      // Every item naming the same transaction is the same as giving it to the call.
      const [named] = await queue.enqueueMany([{ task: ship, payload: { orderId: 'm-4' }, options: { tx: db } }]);
      expect(await backend.get(named ?? '')).toBeUndefined();
      db.exec('ROLLBACK');
      expect(await backend.get(named ?? '')).toBeUndefined();
      expect((await backend.stats()).counts.queued).toBe(0);
    } finally {
      other.close();
    }
  });

  it('refuses a handle that is not inside a transaction, or on another file', async () => {
    const outside = await queue.enqueue(ship, { orderId: 'o-3' }, { tx: db }).catch((error: unknown) => error);
    expect(isErrandError(outside, 'ERRAND_TX_UNSUPPORTED')).toBe(true);
    const other = new Database(join(dir, 'other.db'));
    try {
      other.exec('BEGIN');
      const elsewhere = await queue.enqueue(ship, { orderId: 'o-4' }, { tx: other }).catch((error: unknown) => error);
      expect(isErrandError(elsewhere, 'ERRAND_TX_UNSUPPORTED')).toBe(true);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
  });

  it('refuses tx on a backend that cannot honour it', async () => {
    const { createMemoryBackend } = await import('../../src/backends/memory/memory-backend.js');
    const memory = createMemoryBackend();
    const error = await createQueue({ backend: memory }).enqueue(ship, { orderId: 'o-5' }, { tx: db }).catch((thrown: unknown) => thrown);
    expect(isErrandError(error, 'ERRAND_TX_UNSUPPORTED')).toBe(true);
    await memory.close();
  });
});
