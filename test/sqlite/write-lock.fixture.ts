/**
 * A process that holds the SQLite file's write lock across a rate window's end: opens ERRAND_SQLITE,
 * takes the lock (`BEGIN IMMEDIATE`) and prints `locked`; given a clock reading on stdin, keeps the
 * lock until 40 ms past the end of the WINDOW_MS window of that reading, then commits and prints
 * `released <epoch ms>`.
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';

const windowMs = Number(process.env.WINDOW_MS);
const db = new Database(process.env.ERRAND_SQLITE ?? '');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const line = await lines.next();
const reading = Number(line.value);
if (line.done === true || !Number.isFinite(reading)) throw new Error('expected a clock reading on stdin');
const releaseAt = (Math.floor(reading / windowMs) + 1) * windowMs + 40;
// setTimeout may fire a little early: the lock must be held past the window's end.
while (Date.now() < releaseAt) await new Promise((resolve) => setTimeout(resolve, releaseAt - Date.now()));
db.exec('COMMIT');
process.stdout.write(`released ${Date.now()}\n`);
db.close();
process.exit(0);
