/**
 * dashboard-million: how long the dashboard takes to answer with 1,000,000 finished jobs in the
 * SQLite backend. Inserts the rows in one transaction (a recursive CTE: a few seconds), fills a full
 * day of the time series (3 tasks × 1,440 minutes), then times, server-side through `app.request`
 * (no network), the requests each view makes when it opens. Prints medians of 15 rounds after 3 warm-ups.
 *
 * `npx tsx bench/dashboard-million.ts` (ERRAND_BENCH_ROWS changes the row count).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { pino } from 'pino';
import { errand } from '../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../src/adapters/hono/errand-env.js';
import { createSqliteBackend } from '../src/backends/sqlite/index.js';
import { openDatabase } from '../src/backends/sqlite/open-database.js';
import { createDashboard } from '../src/dashboard/create-dashboard.js';
import { durationBoundsMs } from '../src/jobs/job-series.js';
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
    const minuteNow = now - (now % 60_000);
    for (let m = 0; m < 1_440; m += 1) {
      for (const [t, task] of ['send-welcome-email', 'generate-thumbnails', 'nightly-report'].entries()) {
        const done = 20 + ((m * 7 + t * 13) % 40);
        const failed = (m + t) % 11 === 0 ? 2 : 0;
        const total = done + failed;
        const cumulative = durationBoundsMs.map((bound) => Math.min(total, Math.round(total * (bound / (bound + 100 * (t + 1))))));
        cumulative[cumulative.length - 1] = total;
        insert.run(minuteNow - m * 60_000, task, done, failed, total * 80, total * 12, ...cumulative, ...cumulative.map(() => total));
      }
    }
  });
  fill();
  db.close();
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'errand-dashboard-million-'));
  const path = join(dir, 'jobs.db');
  try {
    const fillSeconds = fillMillion(path, rows);
    const backend = createSqliteBackend({ path });
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
    console.log(`${rows.toLocaleString('en')} finished jobs inserted in ${fillSeconds.toFixed(1)} s; ${(await backend.stats()).counts.succeeded.toLocaleString('en')} succeeded`);
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
    await backend.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
