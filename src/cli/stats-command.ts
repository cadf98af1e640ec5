import { parseArgs } from 'node:util';
import { createBackendFromUrl, defaultQueueUrl, queueUrlFromEnv } from '../backends/from-url.js';
import type { JobBackend } from '../jobs/backend.js';
import { jobStates } from '../jobs/job.js';
import type { CliCommand } from './main.js';

/** Where a CLI command writes, and optionally the backend to use instead of opening `--queue` (tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  backend?: JobBackend;
}

const consoleIo: CliIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

/**
 * Runs `fn` with the backend named by `--queue` / `ERRAND_QUEUE` (or the one in `io`), closing it
 * afterwards. Shared by `errand stats` and `errand jobs`.
 *
 * @example
 * await withBackend(io, values.queue, (backend) => backend.stats())
 */
export async function withBackend<T>(io: CliIo, queue: string | undefined, fn: (backend: JobBackend) => Promise<T>): Promise<T> {
  if (io.backend !== undefined) return fn(io.backend);
  const backend = await createBackendFromUrl(queue ?? queueUrlFromEnv());
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

/** Lays out rows as aligned columns, the first row being the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** "42s", "3m 5s", "2h 10m": how long ago, for humans. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

const usage = `usage: errand stats [--queue <url>] [--json]

Prints how many jobs are in each state, per task, and the age of the oldest job waiting to run.

options:
  --queue <url>   memory:, sqlite:path.db, a file path, redis://host:6379
                  (env ERRAND_QUEUE, else $ERRAND_DATA_DIR/errand.db, default ${defaultQueueUrl})
  --json          print the backend's stats as JSON (with oldestQueuedAgeMs)`;

/**
 * `errand stats`, with its output and backend injectable.
 *
 * @example
 * process.exitCode = await runStats(['--queue', 'sqlite:data/errand.db'])
 */
export async function runStats(argv: string[], io: CliIo = consoleIo): Promise<number> {
  let values: { queue?: string; json?: boolean };
  try {
    values = parseArgs({ args: argv, options: { queue: { type: 'string' }, json: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    io.err(`errand stats: ${(error as Error).message}\n\n${usage}`);
    return 1;
  }
  const stats = await withBackend(io, values.queue, (backend) => backend.stats());
  const oldestQueuedAgeMs = stats.oldestQueuedAt === undefined ? null : Math.max(0, Date.now() - stats.oldestQueuedAt);
  if (values.json === true) {
    io.out(JSON.stringify({ ...stats, oldestQueuedAgeMs }, null, 2));
    return 0;
  }
  const header = ['task', ...jobStates];
  const rows = Object.entries(stats.byTask)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([task, counts]) => [task, ...jobStates.map((state) => String(counts[state] ?? 0))]);
  io.out(formatTable([header, ...rows, ['(all)', ...jobStates.map((state) => String(stats.counts[state]))]]));
  io.out(`\noldest waiting: ${oldestQueuedAgeMs === null ? 'none' : formatAge(oldestQueuedAgeMs)}`);
  return 0;
}

/** `errand stats`: job counts by state and task, and the oldest waiting job's age. */
export const statsCommand: CliCommand = {
  summary: 'job counts by state and task, and the oldest waiting age (--queue url, --json)',
  usage,
  run: (argv) => runStats(argv),
};
