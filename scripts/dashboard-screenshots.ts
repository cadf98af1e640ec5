/**
 * Takes the screenshots in docs/dashboard.md: a SQLite queue given a simulated day of traffic (a
 * clock moved through the last 24 hours while jobs are enqueued, claimed, completed and failed
 * through the backend, so the series is written by its triggers exactly as in production), two live
 * workers holding jobs, then every view in Chromium (/usr/bin/chromium, through playwright-core).
 *
 * `npx tsx scripts/dashboard-screenshots.ts` writes docs/dashboard-*.png.
 */
import { serve, type ServerType } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { errand } from '../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../src/adapters/hono/errand-env.js';
import { createSqliteBackend } from '../src/backends/sqlite/create-sqlite-backend.js';
import { createDashboard } from '../src/dashboard/create-dashboard.js';
import { createTaskFailureLog } from '../src/dashboard/task-failure-log.js';
import type { NewJob } from '../src/jobs/job.js';
import { defineTask } from '../src/jobs/define-task.js';
import { createWorker } from '../src/jobs/worker.js';

const docs = join(import.meta.dirname, '../docs');
const dir = mkdtempSync(join(tmpdir(), 'errand-screenshots-'));
const path = join(dir, 'jobs.db');

/** A deterministic pseudo-random sequence, so the pictures are the same every run. */
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

interface TaskProfile {
  task: string;
  /** Jobs per minute at the day's peak. */
  peak: number;
  runMs: () => number;
  failShare: number;
}
const profiles: TaskProfile[] = [
  { task: 'send-welcome-email', peak: 14, runMs: () => 40 + random() * 260, failShare: 0.01 },
  { task: 'generate-thumbnails', peak: 8, runMs: () => 600 + random() * 3_000, failShare: 0.04 },
  { task: 'sync-crm-contact', peak: 5, runMs: () => 120 + random() * 900, failShare: 0.02 },
  { task: 'nightly-report', peak: 0.2, runMs: () => 12_000 + random() * 20_000, failShare: 0 },
];

async function simulateDay(): Promise<void> {
  const end = Date.now();
  let clock = end - 24 * 60 * 60_000;
  const backend = createSqliteBackend({ path, now: () => clock });
  let backlog: NewJob[] = [];
  for (; clock < end - 60_000; ) {
    const minuteStart = clock;
    const hour = new Date(clock).getHours() + new Date(clock).getMinutes() / 60;
    const daily = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
    const minutesAgo = (end - clock) / 60_000;
    // An incident 40 to 25 minutes ago: the CRM is down, thumbnails slow, and the backlog grows.
    const incident = minutesAgo < 40 && minutesAgo > 25;
    const jobs: NewJob[] = [];
    for (const profile of profiles) {
      const n = Math.floor(profile.peak * daily * (0.8 + random() * 0.4) + random());
      for (let i = 0; i < n; i += 1) jobs.push({ id: randomUUID(), task: profile.task, payload: { n: i }, runAt: clock, priority: 0, maxAttempts: 3, createdAt: clock });
    }
    await backend.enqueue(jobs);
    backlog = [...backlog, ...jobs];
    clock += 1_000 + random() * (incident ? 40_000 : 4_000);
    const capacity = incident ? 10 : 40;
    const claimed = await backend.claim({ workerId: 'sim', tasks: profiles.map((p) => p.task), limit: capacity, leaseMs: 600_000, waitMs: 0 });
    const startedAt = clock;
    for (const lease of claimed) {
      const profile = profiles.find((p) => p.task === lease.task) ?? profiles[0];
      const failShare = incident && (lease.task === 'sync-crm-contact' || lease.task === 'generate-thumbnails') ? 0.45 : profile.failShare;
      clock = startedAt + Math.min(4_000, profile.runMs() * (incident ? 2 : 1));
      if (random() < failShare) {
        const last = lease.attempt >= lease.maxAttempts;
        await backend.fail(lease, { error: { type: 'about:blank', title: lease.task === 'sync-crm-contact' ? 'CRM answered 503' : 'Storage timeout', status: 503, detail: 'upstream unavailable' }, retryAt: last ? null : clock + 20_000 });
      } else {
        await backend.complete(lease, { ok: true });
      }
    }
    clock = minuteStart + 60_000;
    await backend.sampleDepth?.(); // the depth sample a running worker takes once a minute
  }
  await backend.close();
}

const started = performance.now();
await simulateDay();
console.log(`simulated a day in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const backend = createSqliteBackend({ path });
const blocking = defineTask('generate-thumbnails', { handler: (_payload: unknown, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(null))) });
await backend.enqueue(Array.from({ length: 3 }, (_, n) => ({ id: randomUUID(), task: 'generate-thumbnails', payload: { upload: `upload-${n}.png` }, runAt: Date.now(), priority: 0, maxAttempts: 3, createdAt: Date.now() })));
const workers = [1, 2].map(() => createWorker({ backend, tasks: [blocking], concurrency: 2, pollMs: 50, pruneIntervalMs: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } }));
for (const worker of workers) worker.start();

const failures = createTaskFailureLog();
failures.record({ at: Date.now() - 95_000, task: 'saveUserData', outcome: 'failed', requestId: '7f3c9a1e-audit', durationMs: 12, error: { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'EACCES: permission denied, open data/users.txt' } });
const app = new Hono<ErrandEnv>();
errand(app, { mode: 'production', logger: pino({ level: 'silent' }) });
app.route('/ops/dashboard', createDashboard({ backend, mode: 'dev', taskFailures: failures }));
const server: ServerType = await new Promise((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  // Wait until the workers hold their jobs, so the Workers view has something in hand.
  for (let i = 0; i < 200 && (await backend.stats()).counts.running < 3; i += 1) await new Promise((r) => setTimeout(r, 50));

  await page.goto(`${origin}/ops/dashboard#overview`);
  await page.locator('#throughput-chart svg').waitFor();
  await page.locator('#task-figures table').waitFor();
  await page.screenshot({ path: join(docs, 'dashboard-overview.png'), fullPage: true });

  await page.locator('[data-range="day"]').click();
  await page.locator('#tasks-window:text("last 24 hours")').waitFor();
  await page.screenshot({ path: join(docs, 'dashboard-overview-day.png'), fullPage: true });

  await page.goto(`${origin}/ops/dashboard#jobs`);
  await page.locator('.count[data-state="dead"]').click();
  const row = page.locator('tr.job[data-state="dead"]').first();
  await row.waitFor();
  await row.click();
  await page.locator('[data-detail-id] .problem').waitFor();
  await page.screenshot({ path: join(docs, 'dashboard-jobs.png'), fullPage: true });

  await page.locator('#bulk-retry').click();
  await page.locator('dialog#confirm[open]').waitFor();
  await page.screenshot({ path: join(docs, 'dashboard-bulk-confirm.png') });
  await page.locator('dialog#confirm button[value="cancel"]').click();

  await page.goto(`${origin}/ops/dashboard#workers`);
  await page.locator('#workers table').waitFor();
  await page.screenshot({ path: join(docs, 'dashboard-workers.png'), fullPage: true });
  if (problems.length > 0) throw new Error(`page errors: ${problems.join('; ')}`);
  console.log('wrote docs/dashboard-{overview,overview-day,jobs,bulk-confirm,workers}.png');
} finally {
  await browser.close();
  await Promise.all(workers.map((worker) => worker.stop({ timeoutMs: 1_000 })));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}
