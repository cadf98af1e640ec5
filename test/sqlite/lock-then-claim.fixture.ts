/**
 * A process busy with the queue: opens errand's SQLite backend on ERRAND_SQLITE, takes the file's
 * write lock on a connection of its own (`BEGIN IMMEDIATE`) and prints `{"event":"locked"}`; holds
 * it HOLD_MS, commits and, in the same synchronous step (no other process can slip in: those
 * waiting for the lock are asleep in SQLite's busy handler), claims up to ten jobs of task TASK,
 * then prints `{"event":"claimed","jobIds":[…]}`. The claim's first step takes back the jobs of
 * workers whose liveness record lapsed while the lock was held.
 */
import Database from 'better-sqlite3';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';

const path = process.env.ERRAND_SQLITE ?? '';
const holdMs = Number(process.env.HOLD_MS);
const backend = createSqliteBackend({ path, busyTimeoutMs: 60_000 });
const db = new Database(path, { timeout: 60_000 });
db.exec('BEGIN IMMEDIATE');
process.stdout.write(`${JSON.stringify({ event: 'locked' })}\n`);
const releaseAt = Date.now() + holdMs;
// setTimeout may fire a little early: the lock must be held the whole time.
while (Date.now() < releaseAt) await new Promise((resolve) => setTimeout(resolve, releaseAt - Date.now()));
db.exec('COMMIT');
// `claim` runs its first claim synchronously, before its promise is returned.
const claimed = backend.claim({ workerId: 'busy-process', tasks: [process.env.TASK ?? ''], limit: 10, leaseMs: 60_000, waitMs: 0 });
const jobIds = (await claimed).map((job) => job.jobId);
process.stdout.write(`${JSON.stringify({ event: 'claimed', jobIds })}\n`);
db.close();
await backend.close();
