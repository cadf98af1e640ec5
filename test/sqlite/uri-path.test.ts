/**
 * A SQLite queue given as a `file:` URI, on a real file with a running worker (so its liveness
 * thread writes): the liveness file went to `<cwd>/file:…-liveness` (a file named after the URI, or
 * no file at all under a folder `file:` that does not exist) instead of beside the queue, and on
 * better-sqlite3 the queue itself was a file named `file:…`. Run on every driver this Node loads.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { availableSqliteDrivers } from '../../src/backends/sqlite/open-database.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker } from '../../src/jobs/worker.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-uri-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const echo = defineTask('echo', { retries: 0, handler: (payload: { n: number }) => Promise.resolve(payload.n) });

/** Runs one job through a worker whose liveness thread beats, and answers the job's final state. */
async function runOneJob(backend: JobBackend): Promise<string | undefined> {
  const worker = createWorker({ backend, tasks: [echo], concurrency: 1, pollMs: 20, pruneIntervalMs: 0, scheduler: false, livenessIntervalMs: 50 }).start();
  try {
    const id = await createQueue({ backend }).enqueue(echo, { n: 1 });
    const deadline = Date.now() + 30_000;
    let state = (await backend.get(id))?.state;
    while (state !== 'succeeded' && state !== 'dead' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = (await backend.get(id))?.state;
    }
    // A few beats after the job: the liveness file exists by now when there is one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return state;
  } finally {
    await worker.stop();
  }
}

const cwdEntries = (): string[] => readdirSync(process.cwd()).filter((name) => name.startsWith('file:'));

describe.for(availableSqliteDrivers())('a file: URI as the queue path, on %s', (driver) => {
  it('puts the queue at the file the URI names and its liveness file beside it', async () => {
    const strayBefore = cwdEntries();
    const backend = createSqliteBackend({ path: `file:${dir}/q.db?mode=rwc`, driver });
    try {
      expect(await runOneJob(backend)).toBe('succeeded');
    } finally {
      await backend.close();
    }
    const files = readdirSync(dir);
    expect(files).toContain('q.db');
    expect(files).toContain('q.db-liveness');
    expect(files.filter((name) => name.includes('file:') || name.includes('?'))).toEqual([]);
    expect(cwdEntries()).toEqual(strayBefore);
  });

  it('keeps mode=memory a private database: jobs run and no file is written', async () => {
    const strayBefore = cwdEntries();
    const backend = createSqliteBackend({ path: `file:${dir}/m.db?mode=memory`, driver });
    try {
      expect(await runOneJob(backend)).toBe('succeeded');
    } finally {
      await backend.close();
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(cwdEntries()).toEqual(strayBefore);
  });
});
