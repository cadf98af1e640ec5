/**
 * Drives the dashboard in real Chromium (Debian's /usr/bin/chromium through playwright-core, never a
 * downloaded browser): a worker on a SQLite file runs a task that fails until told otherwise; the
 * dead job is found on the page, retried with a click, and seen to succeed. With
 * ERRAND_UPDATE_SCREENSHOT=1 it also rewrites docs/dashboard.png.
 */
import { serve, type ServerType } from '@hono/node-server';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { createSqliteBackend } from '../../src/backends/sqlite/create-sqlite-backend.js';
import { createDashboard } from '../../src/dashboard/create-dashboard.js';
import { createTaskFailureLog } from '../../src/dashboard/task-failure-log.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';

const chromiumPath = '/usr/bin/chromium';
const screenshotPath = join(import.meta.dirname, '../../docs/dashboard.png');

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('dashboard in Chromium', () => {
  let dir: string;
  let backend: JobBackend;
  let worker: Worker;
  let server: ServerType;
  let browser: Browser | undefined;
  let origin = '';
  let uploadFails = true;

  const generateThumbnails = defineTask('generate-thumbnails', {
    retries: 0,
    handler: (payload: { upload: string }) => {
      if (uploadFails) throw new Error(`storage bucket unreachable while processing ${payload.upload}`);
      return { thumbnails: 3, upload: payload.upload };
    },
  });
  const sendWelcome = defineTask('send-welcome-email', { handler: (payload: { email: string }) => ({ delivered: payload.email }) });
  const nightlyReport = defineTask('nightly-report', { handler: () => 'done' });

  beforeAll(async () => {
    expect(existsSync(chromiumPath), `${chromiumPath} is missing: install Debian's chromium package`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'errand-dashboard-'));
    backend = createSqliteBackend({ path: join(dir, 'jobs.db') });
    const queue = createQueue({ backend });
    worker = createWorker({ backend, tasks: [generateThumbnails, sendWelcome, nightlyReport], schedules: [defineSchedule(nightlyReport, { cron: '0 2 * * *', timezone: 'Europe/Paris' })], pollMs: 25, pruneIntervalMs: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } });

    const failures = createTaskFailureLog();
    failures.record({ at: Date.now() - 95_000, task: 'saveUserData', outcome: 'failed', requestId: '7f3c9a1e-audit', durationMs: 12, error: { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'EACCES: permission denied, open data/users.txt' } });
    failures.record({ at: Date.now() - 20_000, task: 'pingAnalytics', outcome: 'timed-out', requestId: 'b41d07c2-track', durationMs: 2000, error: { type: 'about:blank', title: 'Task timed out', status: 500, code: 'ERRAND_TASK_TIMEOUT', detail: 'pingAnalytics ran past its 2000 ms timeout' } });
    const mail = [{ id: 'm1', from: 'errand <noreply@example.com>', to: ['ada@example.com'], subject: 'Welcome, Ada!', text: 'Thanks for registering.', receivedAt: Date.now() - 30_000 }];

    const app = new Hono<ErrandEnv>();
    errand(app, { mode: 'production', logger: pino({ level: 'silent' }) });
    app.route('/dashboard', createDashboard({ backend, mode: 'dev', taskFailures: failures, mailbox: () => mail }));
    app.route('/ops', createDashboard({ backend, mode: 'production', auth: { basic: { username: 'ops', password: 's3cret' } } }));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        origin = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });

    for (const email of ['ada@example.com', 'grace@example.com', 'linus@example.com']) await queue.enqueue(sendWelcome, { email });
    await queue.enqueue(nightlyReport, {}, { delay: 3_600_000 });
    await queue.enqueue(generateThumbnails, { upload: 'upload-42.png' });
    worker.start();
    await until(async () => (await backend.stats()).counts.dead === 1 && (await backend.stats()).counts.succeeded === 3);

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  it('outside dev mode asks the browser for credentials, then acts with them and the CSRF token', async () => {
    const anonymous = await browser!.newContext();
    // Headless Chromium answers a Basic challenge it has no credentials for with this error.
    await expect((await anonymous.newPage()).goto(`${origin}/ops`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const refused = await anonymous.request.get(`${origin}/ops/api/stats`);
    expect(refused.status()).toBe(401);
    expect(refused.headers()['www-authenticate']).toContain('Basic realm="errand dashboard"');
    await anonymous.close();

    const context = await browser!.newContext({ httpCredentials: { username: 'ops', password: 's3cret' } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${origin}/ops`);
    await page.locator('.count[data-state="delayed"]').click();
    const row = page.locator('tr.job[data-state="delayed"]');
    await row.waitFor();
    const jobId = (await row.getAttribute('data-job-id'))!;
    await row.click();
    await page.locator(`[data-detail-id="${jobId}"] [data-action="cancel"]`).click();
    await page.locator(`[data-detail-id="${jobId}"][data-state="cancelled"]`).waitFor();
    expect((await backend.get(jobId))!.state).toBe('cancelled');
    expect(problems).toEqual([]);
    await context.close();
  });

  afterAll(async () => {
    await browser?.close();
    await worker.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the dead job, retries it with a click and sees it succeed', async () => {
    const page = await browser!.newPage({ viewport: { width: 1360, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) problems.push(`outside request: ${request.url()}`);
    });

    await page.goto(`${origin}/dashboard`);
    const deadCount = page.locator('.count[data-state="dead"] .n');
    // expect.poll gives up after 1 s by default; the page's first poll takes longer on a loaded machine.
    await expect.poll(() => deadCount.textContent(), { timeout: 30_000 }).toBe('1');
    expect(await page.locator('.count[data-state="succeeded"] .n').textContent()).toBe('3');

    await page.locator('.count[data-state="dead"]').click();
    const deadRow = page.locator('tr.job[data-state="dead"]');
    await deadRow.waitFor();
    expect(await deadRow.count()).toBe(1);
    expect(await deadRow.locator('td').nth(1).textContent()).toBe('generate-thumbnails');
    const jobId = (await deadRow.getAttribute('data-job-id'))!;
    await deadRow.click();
    const detail = page.locator(`[data-detail-id="${jobId}"]`);
    await detail.waitFor();
    expect(await detail.locator('.problem').textContent()).toContain('storage bucket unreachable');

    uploadFails = false;
    await detail.locator('[data-action="retry"]').click();
    await page.locator(`[data-detail-id="${jobId}"][data-state="succeeded"]`).waitFor({ timeout: 60_000 });
    expect(await page.locator(`[data-detail-id="${jobId}"] pre.result`).textContent()).toContain('"thumbnails": 3');
    expect((await backend.get(jobId))!.state).toBe('succeeded');
    const timeline = await page.locator(`[data-detail-id="${jobId}"] ol.timeline`).textContent();
    expect(timeline).toContain('dead');
    expect(timeline).toContain('retried');
    await expect.poll(() => deadCount.textContent(), { timeout: 30_000 }).toBe('0');

    // The schedule is listed on the overview with its next run, and paused and resumed with a click.
    await page.locator('[data-nav="overview"]').click();
    const schedule = page.locator('tr.schedule[data-schedule="nightly-report"]');
    await schedule.waitFor();
    expect(await schedule.textContent()).toContain('cron 0 2 * * * (Europe/Paris)');
    await schedule.locator('[data-action="pause"]').click();
    await page.locator('tr.schedule[data-schedule="nightly-report"][data-paused="1"]').waitFor();
    expect((await createQueue({ backend }).listSchedules())[0]?.paused).toBe(true);
    await page.locator('tr.schedule[data-schedule="nightly-report"] [data-action="resume"]').click();
    await page.locator('tr.schedule[data-schedule="nightly-report"][data-paused="0"]').waitFor();
    await page.locator('[data-nav="jobs"]').click();

    // The screenshot for docs/: every job, the retried one open with its timeline.
    await page.locator('#state-filter').selectOption('');
    await page.locator(`tr.job[data-job-id="${jobId}"]`).waitFor();
    await page.locator('#notice').click();
    await page.locator('#notice').waitFor({ state: 'hidden' });
    const screenshot = await page.screenshot({ path: process.env.ERRAND_UPDATE_SCREENSHOT === '1' ? screenshotPath : undefined, fullPage: true });
    expect(screenshot.length).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the overview from the series, finds a job by key, cancels what a filter selects after confirming, and lists the live worker', async () => {
    const page = await browser!.newPage({ viewport: { width: 1360, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${origin}/dashboard`);
    // The jobs the other tests ran ended in this hour: bars, and a row of figures per task.
    await until(async () => Number(await page.locator('#throughput-chart').getAttribute('data-total')) >= 3);
    expect(await page.locator('#throughput-chart svg rect.succeeded').count()).toBeGreaterThan(0);
    const welcome = page.locator('#task-figures tr[data-task="send-welcome-email"]');
    await welcome.waitFor();
    expect(await welcome.locator('td').nth(3).textContent()).toBe('3');

    const queue = createQueue({ backend });
    const keyed = await queue.enqueue(nightlyReport, {}, { delay: 3_600_000, key: 'report:2026-12-24' });
    await queue.enqueue(nightlyReport, {}, { delay: 3_600_000 });
    await page.locator('[data-nav="jobs"]').click();
    await page.locator('#search-input').fill('report:2026-12-24');
    await page.locator('#search button').click();
    await page.locator(`[data-detail-id="${keyed}"]`).waitFor();

    await page.locator('#task-filter').selectOption('nightly-report');
    await page.locator('#state-filter').selectOption('delayed');
    await page.locator('#bulk-cancel').click();
    const dialog = page.locator('dialog#confirm[open]');
    await dialog.waitFor();
    expect(await dialog.locator('#confirm-text').textContent()).toContain('Cancel 2 nightly-report delayed jobs?');
    await dialog.locator('#confirm-ok').click();
    await until(async () => (await backend.stats()).byTask['nightly-report']?.delayed === undefined);
    expect((await backend.get(keyed))!.state).toBe('cancelled');

    await page.locator('[data-nav="workers"]').click();
    await page.locator(`#workers tr[data-worker-id="${worker.id}"]`).waitFor();
    // The time since the worker's last beat (it beats every 0.5 s; a listed worker beat within its 3 s ttl), not the record's expiry.
    const lastBeat = page.locator(`#workers tr[data-worker-id="${worker.id}"] td.last-beat`);
    expect(await lastBeat.textContent()).toMatch(/^\d+\.\d s ago$/);
    expect(Number(await lastBeat.getAttribute('data-beat-age-ms'))).toBeLessThan(3_000);
    expect(problems).toEqual([]);
    await page.close();
  });
});
