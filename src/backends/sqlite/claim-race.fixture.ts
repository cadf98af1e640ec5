/**
 * A child process for the multi-process test, driven by lines on stdin:
 * - it prints `ready` once the file given as argv[2] is open;
 * - on `go` it claims one batch (both children get `go` at once, so this first claim races) and
 *   prints `claimed`;
 * - on `race` it claims and completes jobs until none are left, then prints the ids it claimed as
 *   one JSON line.
 * The pause between the first batch and the race guarantees each process claims something, however
 * the machine schedules them; without it a loaded machine may let one process drain the file alone.
 */
import { createInterface } from 'node:readline';
import type { ClaimedJob } from '../../jobs/backend.js';
import { createSqliteBackend } from './create-sqlite-backend.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: claim-race.fixture.ts <database path>');
const backend = createSqliteBackend({ path, busyTimeoutMs: 10_000 });
const claimOptions = { workerId: `pid-${process.pid}`, tasks: ['race'], limit: 7, leaseMs: 60_000, waitMs: 0 };
const claimed: string[] = [];
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function nextLine(expected: string): Promise<void> {
  const line = await lines.next();
  if (line.done === true || line.value !== expected) throw new Error(`expected "${expected}" on stdin`);
}

async function take(jobs: ClaimedJob[]): Promise<void> {
  for (const job of jobs) claimed.push(job.jobId);
  await Promise.all(jobs.map((job) => backend.complete(job, null)));
}

process.stdout.write('ready\n');
await nextLine('go');
await take(await backend.claim(claimOptions));
process.stdout.write('claimed\n');
await nextLine('race');
let idle = 0;
// Two quiet polls in a row: the other process may hold the lock for a moment, so one empty claim is not the end.
while (idle < 2) {
  const jobs = await backend.claim(claimOptions);
  if (jobs.length === 0) {
    idle += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    continue;
  }
  idle = 0;
  await take(jobs);
}
await backend.close();
process.stdin.destroy();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
