import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isErrandError } from '../../errors/errand-error.js';
import type { JobBackend } from '../../jobs/backend.js';
import type { NewJob } from '../../jobs/job.js';
import { describeBackendConformance } from '../../testing/conformance.js';
import { createSqliteBackend } from './create-sqlite-backend.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { availableSqliteDrivers, openDatabase } from './open-database.js';
import type { SqliteDriverName } from './sqlite-driver.js';

let dir = '';
const open: JobBackend[] = [];

/**
 * Every driver that loads here goes through the whole file: better-sqlite3 (Node 20 and later) and
 * node:sqlite (Node 22.13 and later). ERRAND_SQLITE_DRIVER narrows it to one (CI on a Node where
 * better-sqlite3 cannot be built).
 */
const envDriver = process.env.ERRAND_SQLITE_DRIVER as SqliteDriverName | undefined;
const drivers: SqliteDriverName[] = envDriver === undefined || envDriver === ('' as SqliteDriverName) ? availableSqliteDrivers() : [envDriver];

// A fresh file per conformance test, deleted with its WAL and shared-memory files after it.
const conformanceDir = mkdtempSync(join(tmpdir(), 'errand-sqlite-conformance-'));
let conformanceFiles = 0;
for (const driver of drivers) {
  describeBackendConformance(`sqlite (${driver})`, {
    create: ({ retention }) => {
      conformanceFiles += 1;
      const path = join(conformanceDir, `conformance-${conformanceFiles}.db`);
      return Promise.resolve(createSqliteBackend({ path, driver, ...(retention === undefined ? {} : { retention }) }));
    },
    cleanup: (backend) => {
      const path = backend.name.slice('sqlite:'.length);
      for (const suffix of ['', '-wal', '-shm', '-liveness', '-liveness-wal', '-liveness-shm']) rmSync(`${path}${suffix}`, { force: true });
      return Promise.resolve();
    },
    createPeer: (backend) => Promise.resolve(createSqliteBackend({ path: backend.name.slice('sqlite:'.length), driver })),
  });
}
afterAll(() => rmSync(conformanceDir, { recursive: true, force: true }));

it('runs on at least one SQLite driver here', () => {
  expect(drivers.length).toBeGreaterThan(0);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
  rmSync(dir, { recursive: true, force: true });
});

function backendAt(driver: SqliteDriverName, path = join(dir, 'jobs.db'), now?: () => number): JobBackend {
  const backend = createSqliteBackend({ path, driver, ...(now === undefined ? {} : { now }) });
  open.push(backend);
  return backend;
}

function newJob(id: string, overrides: Partial<NewJob> = {}): NewJob {
  return { id, task: 'race', payload: { id }, runAt: 0, priority: 0, maxAttempts: 3, createdAt: 1, ...overrides };
}

const claimOptions = { workerId: 'w', tasks: ['race'], limit: 10, leaseMs: 1000, waitMs: 0 };

/**
 * A claim-race child (see claim-race.fixture.ts): `waitFor(line)` resolves once it printed that line;
 * `send(line)` writes one to its stdin; `claimed` is what it took, once it exits.
 */
interface RaceChild {
  waitFor(line: string): Promise<void>;
  send(line: string): void;
  claimed: Promise<string[]>;
}

function raceChild(driver: SqliteDriverName, path: string): RaceChild {
  const fixture = fileURLToPath(new URL('./claim-race.fixture.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ERRAND_SQLITE_DRIVER: driver },
  });
  let out = '';
  let err = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  const settle = (): void => {
    const seen = out.split('\n');
    for (const waiter of waiters.splice(0)) {
      if (seen.includes(waiter.line) || child.exitCode !== null) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    settle();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // A child that died early closed its stdin; its exit code tells the story, not EPIPE.
  child.stdin.on('error', () => undefined);
  const claimed = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      settle();
      const last = out.trimEnd().split('\n').at(-1) ?? '';
      if (code === 0) resolve(JSON.parse(last) as string[]);
      else reject(new Error(`fixture exited ${code}: ${err}`));
    });
  });
  return {
    waitFor: (line) =>
      new Promise<void>((resolve) => {
        waiters.push({ line, resolve });
        settle();
      }),
    send: (line) => child.stdin.write(`${line}\n`),
    claimed,
  };
}

describe.each(drivers)('sqlite backend on %s, specific to the file', (driver) => {
  it('lets two processes claim from one file without ever claiming the same job', async () => {
    const path = join(dir, 'race.db');
    const setup = backendAt(driver, path);
    const ids = Array.from({ length: 1500 }, (_, index) => `job-${index}`);
    await setup.enqueue(ids.map((id) => newJob(id)));
    const children = [raceChild(driver, path), raceChild(driver, path)];
    await Promise.all(children.map((child) => child.waitFor('ready')));
    for (const child of children) child.send('go');
    // Each takes its first batch, racing the other for it, before both drain the rest together.
    await Promise.all(children.map((child) => child.waitFor('claimed')));
    for (const child of children) child.send('race');
    const [first = [], second = []] = await Promise.all(children.map((child) => child.claimed));
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(ids));
    expect((await setup.stats()).counts.succeeded).toBe(ids.length);
  });

  it('applies migrations once, however often the file is opened', async () => {
    const path = join(dir, 'migrate.db');
    await backendAt(driver, path).close();
    await backendAt(driver, path).close();
    const db = openDatabase(path, 1000, driver);
    try {
      expect(migrate(db)).toEqual([]);
      expect(db.prepareValue('SELECT version FROM errand_migrations').all()).toEqual(migrations.map((migration) => migration.version));
      expect(db.prepareValue('PRAGMA journal_mode').get()).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses a file migrated by a newer errand', () => {
    const path = join(dir, 'newer.db');
    const db = openDatabase(path, 1000, driver);
    try {
      db.prepare('INSERT INTO errand_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('from-the-future');
    } finally {
      db.close();
    }
    let thrown: unknown;
    try {
      backendAt(driver, path);
    } catch (error) {
      thrown = error;
    }
    expect(isErrandError(thrown, 'ERRAND_BACKEND_CONFIG')).toBe(true);
  });

  it('fails a call within busyTimeoutMs with ERRAND_BACKEND_UNAVAILABLE and Retry-After while another connection holds the write lock', async () => {
    const path = join(dir, 'busy.db');
    const backend = createSqliteBackend({ path, driver, busyTimeoutMs: 300 });
    open.push(backend);
    const holder = openDatabase(path, 1000, driver);
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const thrown = await backend.enqueue([newJob('blocked')]).then(() => undefined, (error: unknown) => error);
    const elapsed = Date.now() - started;
    holder.exec('ROLLBACK');
    holder.close();
    expect(isErrandError(thrown, 'ERRAND_BACKEND_UNAVAILABLE')).toBe(true);
    expect((thrown as { headers?: Record<string, string> }).headers).toEqual({ 'Retry-After': '5' });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
    // The lock is free again: the same backend works without reopening.
    expect(await backend.enqueue([newJob('after')])).toEqual([{ id: 'after', created: true }]);
  });

  it('keeps jobs, results and leases across a reopen', async () => {
    const path = join(dir, 'reopen.db');
    const first = backendAt(driver, path);
    await first.enqueue([newJob('kept'), newJob('claimed')]);
    const [job] = await first.claim({ ...claimOptions, limit: 1 });
    await first.complete(job, { answer: 42 });
    await first.close();
    const second = backendAt(driver, path);
    expect(await second.get('kept')).toMatchObject({ id: 'kept', state: 'succeeded', result: { answer: 42 } });
    expect(await second.get('claimed')).toMatchObject({ state: 'queued', payload: { id: 'claimed' } });
  });

  it('rejects the stale completion of a job whose lease lapsed and which was claimed again', async () => {
    let clock = 1_000;
    const backend = backendAt(driver, undefined, () => clock);
    await backend.enqueue([newJob('slow')]);
    const [stale] = await backend.claim(claimOptions);
    clock += 1_001;
    const [fresh] = await backend.claim(claimOptions);
    expect(fresh).toMatchObject({ jobId: 'slow', attempt: 2 });
    expect(fresh.token).not.toBe(stale.token);
    await expect(backend.complete(stale, 'late')).rejects.toMatchObject({ code: 'ERRAND_LEASE_LOST' });
    expect(await backend.completeMany!([{ lease: stale, result: 'late' }, { lease: fresh, result: 'on time' }])).toEqual([false, true]);
    const record = await backend.get('slow');
    expect(record).toMatchObject({ state: 'succeeded', result: 'on time', error: { code: 'ERRAND_LEASE_EXPIRED' } });
    expect(record!.history.map((event) => event.type)).toContain('lease-expired');
  });

  it('keeps the timeline bounded however many attempts a job makes', async () => {
    let clock = 1_000;
    const backend = backendAt(driver, undefined, () => clock);
    await backend.enqueue([newJob('flaky', { maxAttempts: 1_000 })]);
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const [job] = await backend.claim(claimOptions);
      await backend.progress(job, attempt);
      await backend.progress(job, attempt + 0.5);
      await backend.fail(job, { error: { type: 'about:blank', title: 'Flaky', status: 500 }, retryAt: clock });
      clock += 1;
    }
    const record = await backend.get('flaky');
    expect(record!.attempts).toBe(60);
    expect(record!.history.length).toBeLessThanOrEqual(50);
    expect(record!.history.at(-1)).toMatchObject({ type: 'retrying', attempt: 60 });
  });

  it('prunes finished jobs by the retention of their state', async () => {
    let clock = 1_000;
    const path = join(dir, 'prune.db');
    const backend = createSqliteBackend({ path, driver, now: () => clock, retention: { succeededMs: 100, deadMs: 1_000 } });
    open.push(backend);
    await backend.enqueue([newJob('ok'), newJob('bad', { maxAttempts: 1 }), newJob('waiting', { runAt: 10_000 })]);
    const jobs = await backend.claim(claimOptions);
    await backend.complete(jobs.find((job) => job.jobId === 'ok')!, null);
    await backend.fail(jobs.find((job) => job.jobId === 'bad')!, { error: { type: 'about:blank', title: 'Bad', status: 500 }, retryAt: null });
    clock += 500;
    expect(await backend.prune()).toBe(1);
    expect(await backend.get('ok')).toBeUndefined();
    expect(await backend.get('bad')).toMatchObject({ state: 'dead' });
    expect(await backend.prune(clock + 1_000)).toBe(1);
    expect((await backend.list()).jobs.map((job) => job.id)).toEqual(['waiting']);
  });

  it('wakes a waiting claim as soon as this process enqueues, and stops waiting when aborted', async () => {
    const backend = backendAt(driver);
    // Waits of a minute: each claim must end long before its wait runs out, however loaded the
    // machine (the bound is half the wait, not a speed figure).
    let started = Date.now();
    const waiting = backend.claim({ ...claimOptions, waitMs: 60_000 });
    setTimeout(() => void backend.enqueue([newJob('soon', { runAt: Date.now() })]), 30);
    expect((await waiting).map((job) => job.jobId)).toEqual(['soon']);
    expect(Date.now() - started).toBeLessThan(30_000);
    const controller = new AbortController();
    started = Date.now();
    const aborted = backend.claim({ ...claimOptions, waitMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect(await aborted).toEqual([]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe.each(drivers)('time series and counts on %s', (driver) => {
  it('drops series minutes older than 25 hours when a new minute starts, so the table stays bounded', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 30);
    const backend = backendAt(driver, join(dir, 'series.db'), () => clock);
    const finishOne = async (id: string): Promise<void> => {
      await backend.enqueue([newJob(id, { runAt: clock, createdAt: clock })]);
      const [lease] = await backend.claim(claimOptions);
      await backend.complete(lease, null);
    };
    await finishOne('a');
    clock += 60_000;
    await finishOne('b');
    expect((await backend.series!(0)).minutes.map((m) => m.succeeded)).toEqual([1, 1]);
    clock += 26 * 60 * 60 * 1000;
    await finishOne('c');
    expect((await backend.series!(0)).minutes.map((m) => m.at)).toEqual([clock - (clock % 60_000)]);
  });

  it('keeps finished counts exact through completion, retry, removal and prune, and counts jobs finished before the migration', async () => {
    const path = join(dir, 'counts.db');
    // A file as errand left it before migration 6, holding finished jobs.
    const db = openDatabase(path, 5_000, driver);
    for (const trigger of ['series_failed', 'series_prune', 'finished_counts_insert', 'finished_counts_update', 'finished_counts_delete']) db.exec(`DROP TRIGGER errand_${trigger}`);
    db.exec('DROP INDEX errand_jobs_group_ready; DROP INDEX errand_jobs_group_running; DROP TABLE errand_job_groups; ALTER TABLE errand_jobs DROP COLUMN group_key');
    db.exec('DROP INDEX errand_jobs_key_any; DROP TABLE errand_series; DROP TABLE errand_depth; DROP TABLE errand_finished_counts; ALTER TABLE errand_workers DROP COLUMN beat_at; DELETE FROM errand_migrations WHERE version >= 6');
    db.exec(`INSERT INTO errand_jobs (id, task, state, priority, run_at, max_attempts, created_at, finished_at, updated_at, history)
      VALUES ('old-1', 'race', 'succeeded', 0, 0, 1, 0, 0, 0, ''), ('old-2', 'race', 'dead', 0, 0, 1, 0, 0, 0, '')`);
    db.close();
    const backend = backendAt(driver, path);
    expect((await backend.stats()).counts).toMatchObject({ succeeded: 1, dead: 1 });
    expect((await backend.list({ state: 'dead' })).total).toBe(1);
    await backend.enqueue([newJob('n1'), newJob('n2')]);
    const leases = await backend.claim(claimOptions);
    await backend.complete(leases[0], null);
    await backend.fail(leases[1], { error: { type: 'about:blank', title: 'x', status: 500 }, retryAt: null });
    expect((await backend.stats()).byTask.race).toEqual({ succeeded: 2, dead: 2 });
    expect(await backend.retry('old-2')).toBe(true);
    expect(await backend.remove('old-1')).toBe(true);
    const stats = await backend.stats();
    expect(stats.byTask.race).toEqual({ succeeded: 1, dead: 1, queued: 1 });
    expect((await backend.list({ task: 'race' })).total).toBe(3);
    expect((await backend.list()).total).toBe(3);
  });
});
