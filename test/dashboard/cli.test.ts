/** `errand jobs` and `errand stats` through the real entry point, against a SQLite file. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/create-sqlite-backend.js';

const run = promisify(execFile);
const main = join(import.meta.dirname, '../../src/cli/main.ts');

async function errand(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('errand CLI against the configured backend', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'errand-cli-'));
    const path = join(dir, 'jobs.db');
    env = { ERRAND_QUEUE: `sqlite:${path}` };
    const backend = createSqliteBackend({ path });
    const now = Date.now();
    await backend.enqueue([
      { id: 'job-dead', task: 'import-csv', payload: { file: 'a.csv' }, runAt: now, priority: 0, maxAttempts: 1, createdAt: now },
      { id: 'job-waiting', task: 'import-csv', payload: { file: 'b.csv' }, runAt: now, priority: 5, maxAttempts: 1, createdAt: now },
    ]);
    const [claimed] = await backend.claim({ workerId: 'w', tasks: ['import-csv'], limit: 1, leaseMs: 60_000, waitMs: 0 });
    await backend.fail(claimed, { error: { type: 'about:blank', title: 'Bad CSV', status: 500, detail: 'line 3: unterminated quote' }, retryAt: null });
    await backend.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists, shows and retries jobs, and prints stats, from ERRAND_QUEUE', async () => {
    const stats = await errand(['stats'], env);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^import-csv\s+1\s+0\s+0\s+0\s+0\s+1\s+0$/m);

    const list = await errand(['jobs', 'list', '--state', 'dead'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^job-dead\s+import-csv\s+dead/m);

    const show = await errand(['jobs', 'show', 'job-dead', '--json'], env);
    expect(JSON.parse(show.stdout).error.detail).toBe('line 3: unterminated quote');

    const retry = await errand(['jobs', 'retry', 'job-dead'], env);
    expect(retry.code).toBe(0);
    const backend = createSqliteBackend({ path: join(dir, 'jobs.db') });
    expect((await backend.get('job-dead'))!.state).toBe('queued');
    await backend.close();

    const missing = await errand(['jobs', 'show', 'nope'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no job has id "nope"');
  });
});
