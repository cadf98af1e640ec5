/**
 * dashboard-million: how long the dashboard takes to answer with 1,000,000 finished jobs in the
 * SQLite or Postgres backend. Inserts the rows in one statement (SQLite: a recursive CTE; Postgres:
 * generate_series, then the migration that counts finished jobs), fills a full day of the time
 * series (3 tasks × 1,440 minutes), then times, server-side through `app.request` (no network), the
 * requests each view makes when it opens. Prints medians of 15 rounds after 3 warm-ups.
 *
 * `npx tsx bench/dashboard-million.ts [--backend sqlite|postgres]` (default sqlite; ERRAND_BENCH_ROWS
 * changes the row count; Postgres at ERRAND_TEST_POSTGRES_URL, in a schema of its own, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs as parseNodeArgs } from 'node:util';
import { Hono } from 'hono';
import pg from 'pg';
import { pino } from 'pino';
import { errand } from '../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../src/adapters/hono/errand-env.js';
import { createPostgresBackend } from '../src/backends/postgres/create-postgres-backend.js';
import { migratePostgres } from '../src/backends/postgres/migrate.js';
import { migrations } from '../src/backends/postgres/migrations/index.js';
import { createSqliteBackend } from '../src/backends/sqlite/index.js';
import { openDatabase } from '../src/backends/sqlite/open-database.js';
import { createDashboard } from '../src/dashboard/create-dashboard.js';
import type { JobBackend } from '../src/jobs/backend.js';
import { durationBoundsMs } from '../src/jobs/job-series.js';
import { dropPostgresSchema, testPostgresUrl, uniquePostgresSchema } from '../src/testing/postgres.js';
import { median } from './lib/stats.js';

const rows = Number(process.env.ERRAND_BENCH_ROWS ?? 1_000_000);

/** Fills `path` with `count` finished jobs (2% dead) and a day of series minutes. Answers the seconds it took. */
export function fillMillion(path: string, count: number, now = Date.now()): number {
  const started = performance.now();
  const db = openDatabase(path, 5_000);
  const fill = db.immediate(() => {
    db.prepare(
      `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < @count)
       INSERT INTO errand_jobs (id, task, payload, state, priority, run_at, attempts, max_attempts, result, error, created_at, started_at, finished_at, updated_at, history)
       SELECT 'job-' || x, CASE x % 3 WHEN 0 THEN 'send-welcome-email' WHEN 1 THEN 'generate-thumbnails' ELSE 'nightly-report' END,
         '{"user":' || x || '}', CASE WHEN x % 50 = 0 THEN 'dead' ELSE 'succeeded' END, 0, @now - x * 60, 1, 3,
         CASE WHEN x % 50 = 0 THEN NULL ELSE '{"ok":true}' END,
         CASE WHEN x % 50 = 0 THEN '{"type":"about:blank","title":"Upstream unavailable","status":503}' ELSE NULL END,
         @now - x * 60, @now - x * 60 + 5, @now - x * 60 + 40, @now - x * 60 + 40,
         '{"at":' || (@now - x * 60) || ',"type":"enqueued"}'
       FROM n`,
    ).run({ now, count });
    const run = durationBoundsMs.map((_, i) => `r${i}`);
    const wait = durationBoundsMs.map((_, i) => `w${i}`);
    const insert = db.prepare(`INSERT INTO errand_series (minute, task, succeeded, failed, run_ms, wait_ms, ${[...run, ...wait].join(', ')}) VALUES (${Array.from({ length: 6 + run.length * 2 }, () => '?').join(', ')})`);
    for (const row of dayOfSeries(now)) insert.run(...row);
  });
  fill();
  db.close();
  return (performance.now() - started) / 1000;
}

const tasks = ['send-welcome-email', 'generate-thumbnails', 'nightly-report'];

/** The series rows of a full day, as `[minute, task, succeeded, failed, run_ms, wait_ms, ...run, ...wait]`. */
function dayOfSeries(now: number): (string | number)[][] {
  const minuteNow = now - (now % 60_000);
  const rowsOut: (string | number)[][] = [];
  for (let m = 0; m < 1_440; m += 1) {
    for (const [t, task] of tasks.entries()) {
      const done = 20 + ((m * 7 + t * 13) % 40);
      const failed = (m + t) % 11 === 0 ? 2 : 0;
      const total = done + failed;
      const cumulative = durationBoundsMs.map((bound) => Math.min(total, Math.round(total * (bound / (bound + 100 * (t + 1))))));
      cumulative[cumulative.length - 1] = total;
      rowsOut.push([minuteNow - m * 60_000, task, done, failed, total * 80, total * 12, ...cumulative, ...cumulative.map(() => total)]);
    }
  }
  return rowsOut;
}

/**
 * Fills `schema` with `count` finished jobs (2% dead) and a day of series minutes, as errand left it
 * before the finished counts (migration 10 then counts them once, as when upgrading a big queue: a
 * row trigger's upserts of a few counter rows in one million-row transaction would be quadratic),
 * then VACUUM ANALYZE (what autovacuum does after a bulk load). Answers the seconds it took.
 */
export async function fillMillionPostgres(schema: string, count: number, now = Date.now()): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    await migratePostgres(client, schema, migrations.filter((migration) => migration.version < 10));
    const q = `"${schema}"`;
    await client.query(
      `INSERT INTO ${q}.jobs (id, task, payload, state, priority, run_at, attempts, max_attempts, result, error, created_at, started_at, finished_at, updated_at, history)
       SELECT 'job-' || x, CASE x % 3 WHEN 0 THEN 'send-welcome-email' WHEN 1 THEN 'generate-thumbnails' ELSE 'nightly-report' END,
         ('{"user":' || x || '}')::json, CASE WHEN x % 50 = 0 THEN 'dead' ELSE 'succeeded' END, 0, $1::bigint - x * 60, 1, 3,
         CASE WHEN x % 50 = 0 THEN NULL ELSE '{"ok":true}'::json END,
         CASE WHEN x % 50 = 0 THEN '{"type":"about:blank","title":"Upstream unavailable","status":503}'::json ELSE NULL END,
         $1::bigint - x * 60, $1::bigint - x * 60 + 5, $1::bigint - x * 60 + 40, $1::bigint - x * 60 + 40,
         jsonb_build_array(jsonb_build_object('at', $1::bigint - x * 60, 'type', 'enqueued'))
       FROM generate_series(1, $2::int) AS x`,
      [now, count],
    );
    const run = durationBoundsMs.map((_, i) => `r${i}`);
    const wait = durationBoundsMs.map((_, i) => `w${i}`);
    const columns = ['minute', 'task', 'succeeded', 'failed', 'run_ms', 'wait_ms', ...run, ...wait];
    const series = dayOfSeries(now);
    for (let at = 0; at < series.length; at += 500) {
      const chunk = series.slice(at, at + 500);
      const values = chunk.map((row, r) => `(${row.map((_, c) => `$${r * row.length + c + 1}`).join(', ')}, 0)`).join(', ');
      await client.query(`INSERT INTO ${q}.series (${columns.join(', ')}, shard) VALUES ${values}`, chunk.flat());
    }
    const migrating = performance.now();
    await migratePostgres(client, schema);
    console.log(`postgres: migration 10 counted ${count.toLocaleString('en')} finished jobs in ${((performance.now() - migrating) / 1000).toFixed(1)} s`);
    await client.query(`VACUUM ANALYZE ${q}.jobs`);
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

/** Opens the backend under test, filled. */
async function openFilled(kind: string): Promise<{ backend: JobBackend; fillSeconds: number; cleanup: () => Promise<void> }> {
  if (kind === 'postgres') {
    const schema = uniquePostgresSchema('bench_million');
    const fillSeconds = await fillMillionPostgres(schema, rows);
    const backend = createPostgresBackend({ connectionString: testPostgresUrl, schema });
    return { backend, fillSeconds, cleanup: () => dropPostgresSchema(schema) };
  }
  if (kind !== 'sqlite') throw new Error(`--backend must be sqlite or postgres, not ${kind}`);
  const dir = mkdtempSync(join(tmpdir(), 'errand-dashboard-million-'));
  const path = join(dir, 'jobs.db');
  const fillSeconds = fillMillion(path, rows);
  return { backend: createSqliteBackend({ path }), fillSeconds, cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
}

async function main(): Promise<void> {
  const { values } = parseNodeArgs({ options: { backend: { type: 'string', default: 'sqlite' } } });
  const kind = values.backend;
  const { backend, fillSeconds, cleanup } = await openFilled(kind);
  try {
    const app = new Hono<ErrandEnv>();
    errand(app, { mode: 'production', logger: pino({ level: 'silent' }) });
    app.route('/dashboard', createDashboard({ backend, auth: { token: 'bench' } }));
    const headers = { authorization: 'Bearer bench' };
    const views: Record<string, string[]> = {
      'overview (page, script, stylesheet, stats, series hour)': ['/dashboard', '/dashboard/assets/dashboard.js', '/dashboard/assets/dashboard.css', '/dashboard/api/stats', '/dashboard/api/series?range=hour'],
      'overview, 24 h window (series day)': ['/dashboard/api/series?range=day'],
      'jobs (stats, newest 25 jobs)': ['/dashboard/api/stats', '/dashboard/api/jobs?limit=25&offset=0'],
      'jobs, filtered by task (page 1)': ['/dashboard/api/jobs?limit=25&offset=0&task=nightly-report'],
      'jobs, filtered to dead (page 1)': ['/dashboard/api/jobs?limit=25&offset=0&state=dead'],
      'search by id': ['/dashboard/api/search?q=job-500000'],
    };
    console.log(`${kind}: ${rows.toLocaleString('en')} finished jobs inserted in ${fillSeconds.toFixed(1)} s; ${(await backend.stats()).counts.succeeded.toLocaleString('en')} succeeded`);
    for (const [name, paths] of Object.entries(views)) {
      const times: number[] = [];
      for (let round = 0; round < 18; round += 1) {
        const started = performance.now();
        for (const path of paths) {
          const response = await app.request(path, { headers });
          if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
          await response.arrayBuffer();
        }
        if (round >= 3) times.push(performance.now() - started);
      }
      console.log(`${name.padEnd(58)} median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
    }
  } finally {
    await backend.close();
    await cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
