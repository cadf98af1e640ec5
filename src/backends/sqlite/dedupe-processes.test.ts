import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueResult } from '../../jobs/job.js';
import { createSqliteBackend } from './create-sqlite-backend.js';
import { availableSqliteDrivers } from './open-database.js';
import type { SqliteDriverName } from './sqlite-driver.js';

const envDriver = process.env.ERRAND_SQLITE_DRIVER as SqliteDriverName | undefined;
const drivers: SqliteDriverName[] = envDriver === undefined || envDriver === ('' as SqliteDriverName) ? availableSqliteDrivers() : [envDriver];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-dedupe-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A child of dedupe-race.fixture.ts: `go()` starts its enqueues; `answers` is what they answered, per mode. */
function enqueuer(driver: SqliteDriverName, path: string): { ready: Promise<void>; go(): void; answers: Promise<Record<string, EnqueueResult[]>> } {
  const fixture = fileURLToPath(new URL('./dedupe-race.fixture.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ERRAND_SQLITE_DRIVER: driver } });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.on('error', () => undefined);
  const answers = new Promise<Record<string, EnqueueResult[]>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      markReady();
      if (code === 0) resolve(JSON.parse(out.trimEnd().split('\n').at(-1) ?? '') as Record<string, EnqueueResult[]>);
      else reject(new Error(`fixture exited ${code}: ${err}`));
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), answers };
}

describe.each(drivers)('sqlite dedupe across processes on %s', (driver) => {
  it('stores exactly one job per key in every mode when two processes enqueue the same keys at once', async () => {
    const path = join(dir, 'dedupe.db');
    const backend = createSqliteBackend({ path, driver });
    try {
      const children = [enqueuer(driver, path), enqueuer(driver, path)];
      await Promise.all(children.map((child) => child.ready));
      for (const child of children) child.go();
      const [first = {}, second = {}] = await Promise.all(children.map((child) => child.answers));
      const { jobs, total } = await backend.list({ limit: 1_000 });
      const byKey = new Map(jobs.map((job) => [job.key, job.id]));
      // One job per key: a second one would mean both processes read "no holder" before either wrote.
      expect(byKey.size).toBe(total);
      for (const mode of ['active', 'queued', 'replace', 'debounce']) {
        const answers = [...(first[mode] ?? []), ...(second[mode] ?? [])];
        expect(answers, mode).toHaveLength(300);
        expect(answers.filter((answer) => answer.created), mode).toHaveLength(150);
        for (const [index, answer] of answers.entries()) expect(answer.id, mode).toBe(byKey.get(`race-${mode}-${index % 150}`));
        const replaced = answers.filter((answer) => answer.replaced === true).length;
        expect(replaced, mode).toBe(mode === 'replace' || mode === 'debounce' ? 150 : 0);
      }
    } finally {
      await backend.close();
    }
  }, 120_000);
});
