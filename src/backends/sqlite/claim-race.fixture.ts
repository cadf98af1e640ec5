/**
 * A child process for the multi-process test: claims and completes jobs from the file given as
 * argv[2] (from the parent's go on stdin) until none are left, then prints the ids it claimed as one JSON line.
 */
import { createSqliteBackend } from './create-sqlite-backend.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: claim-race.fixture.ts <database path>');
const backend = createSqliteBackend({ path, busyTimeoutMs: 10_000 });
const claimed: string[] = [];
// Both children start claiming when the parent says go (once both are ready), whatever their
// start-up times, so they really race.
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
let idle = 0;
// Two quiet polls in a row: the other process may hold the lock for a moment, so one empty claim is not the end.
while (idle < 2) {
  const jobs = await backend.claim({ workerId: `pid-${process.pid}`, tasks: ['race'], limit: 7, leaseMs: 60_000, waitMs: 0 });
  if (jobs.length === 0) {
    idle += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    continue;
  }
  idle = 0;
  for (const job of jobs) claimed.push(job.jobId);
  await Promise.all(jobs.map((job) => backend.complete(job, null)));
}
await backend.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
