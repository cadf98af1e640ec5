/**
 * A child process for the dedupe race test: opens the file given as argv[2], prints `ready`, and on
 * `go` (both children get it at once) enqueues one job per dedupe mode and round, one call at a time,
 * on the key `race-<mode>-<round>` (the other child enqueues the same keys in the same order), then prints what every call answered as one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { JobDedupe } from '../../jobs/dedupe.js';
import type { EnqueueResult } from '../../jobs/job.js';
import { createSqliteBackend } from './create-sqlite-backend.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: dedupe-race.fixture.ts <database path>');
const rounds = 150;
const modes: Record<string, JobDedupe | undefined> = {
  active: undefined,
  queued: { mode: 'queued' },
  replace: { mode: 'replace' },
  debounce: { mode: 'debounce', delayMs: 60_000 },
};
const backend = createSqliteBackend({ path, busyTimeoutMs: 10_000 });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write('ready\n');
const line = await lines.next();
if (line.done === true || line.value !== 'go') throw new Error('expected "go" on stdin');
const answers: Record<string, EnqueueResult[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [mode, dedupe] of Object.entries(modes)) {
    const now = Date.now();
    const runAt = dedupe?.mode === 'debounce' ? now + dedupe.delayMs : now;
    const job = { id: randomUUID(), task: 'race', payload: { pid: process.pid, round }, runAt, priority: 0, maxAttempts: 3, createdAt: now, key: `race-${mode}-${round}`, ...(dedupe === undefined ? {} : { dedupe }) };
    (answers[mode] ??= []).push(...(await backend.enqueue([job])));
  }
}
process.stdout.write(`${JSON.stringify(answers)}\n`);
await backend.close();
process.stdin.destroy();
