import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMillion } from '../../bench/dashboard-million.js';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/create-sqlite-backend.js';
import { createDashboard } from '../../src/dashboard/create-dashboard.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { quantile } from '../../src/jobs/job-series.js';
import { createProblemApp } from './problem-app.js';

const auth = { authorization: 'Bearer overview-token' };

function dashboardOf(backend: JobBackend): (path: string, init?: RequestInit) => Promise<Response> {
  const parent = createProblemApp();
  parent.route('/ops', createDashboard({ backend, auth: { token: 'overview-token' } }));
  return async (path, init = {}) => parent.request(`/ops/api${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
}

describe('overview API: series, workers, search, bulk actions', () => {
  it('answers per-minute points for the hour and per-task rate, failure share and percentiles from the backend series', async () => {
    let clock = Date.now() - 5 * 60_000;
    const backend = createMemoryBackend({ now: () => clock });
    const api = dashboardOf(backend);
    for (let i = 0; i < 10; i += 1) {
      await backend.enqueue([{ id: `s${i}`, task: 'send', payload: null, runAt: clock, priority: 0, maxAttempts: 1, createdAt: clock }]);
      clock += 20; // waited 20 ms
      const [lease] = await backend.claim({ workerId: 'w', tasks: ['send'], limit: 1, leaseMs: 60_000, waitMs: 0 });
      clock += i < 9 ? 40 : 4_000; // ran 40 ms, the last one 4 s
      if (i < 8) await backend.complete(lease, null);
      else await backend.fail(lease, { error: { type: 'about:blank', title: 'x', status: 500 }, retryAt: null });
    }
    const body = await (await api('/series?range=hour')).json();
    expect(body).toMatchObject({ enabled: true, range: 'hour', bucketMs: 60_000 });
    expect(body.points).toHaveLength(60);
    expect(body.points.reduce((sum: number, p: { succeeded: number }) => sum + p.succeeded, 0)).toBe(8);
    const [send] = body.tasks;
    expect(send).toMatchObject({ task: 'send', succeeded: 8, failed: 2, failurePct: 20, perMinute: 10 / 60 });
    expect(send.runP50).toBeGreaterThan(25);
    expect(send.runP50).toBeLessThanOrEqual(50);
    expect(send.runP95).toBeGreaterThan(2_500);
    expect(send.waitP95).toBeLessThanOrEqual(25);
    const day = await (await api('/series?range=day')).json();
    expect(day.points).toHaveLength(96);
    expect(day.tasks[0]).toMatchObject({ succeeded: 8, failed: 2 });
    expect((await api('/series?range=week')).status).toBe(422);
  });

  it('interpolates percentiles inside histogram buckets', () => {
    // 10 observations: 4 at most 5 ms, 10 at most 10 ms.
    expect(quantile([4, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 10, 0.5)).toBeCloseTo(5 + 5 * (1 / 6));
    expect(quantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 3, 0.5)).toBe(60_000);
    expect(quantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0.5)).toBeNull();
  });

  it('finds a job by id or by key, and retries or cancels what a filter selects (CSRF applies)', async () => {
    const backend = createMemoryBackend();
    const api = dashboardOf(backend);
    const now = Date.now();
    const job = (id: string, task: string, key?: string) => ({ id, task, payload: null, runAt: now, priority: 0, maxAttempts: 1, createdAt: now, ...(key === undefined ? {} : { key }) });
    await backend.enqueue([job('a1', 'mail', 'order:1'), job('a2', 'mail'), job('b1', 'thumb'), job('b2', 'thumb'), job('b3', 'thumb')]);
    for (const lease of await backend.claim({ workerId: 'w', tasks: ['thumb'], limit: 2, leaseMs: 60_000, waitMs: 0 })) {
      await backend.fail(lease, { error: { type: 'about:blank', title: 'x', status: 500 }, retryAt: null });
    }
    expect((await (await api('/search?q=a2')).json()).jobs.map((j: { id: string }) => j.id)).toEqual(['a2']);
    expect((await (await api('/search?q=order:1')).json()).jobs.map((j: { id: string }) => j.id)).toEqual(['a1']);
    expect((await (await api('/search?q=nothing')).json()).jobs).toEqual([]);

    expect(await (await api('/jobs/bulk/retry?task=thumb', { method: 'POST' })).json()).toEqual({ matched: 2, changed: 2, more: false });
    expect((await backend.stats()).byTask.thumb).toEqual({ queued: 3 });
    expect(await (await api('/jobs/bulk/cancel?task=mail&state=queued', { method: 'POST' })).json()).toEqual({ matched: 2, changed: 2, more: false });
    expect((await backend.stats()).counts).toMatchObject({ cancelled: 2, queued: 3 });
    expect((await api('/jobs/bulk/delete', { method: 'POST' })).status).toBe(422);

    // Without the bearer token, a browser session needs the page's CSRF token.
    const parent = createProblemApp();
    parent.route('/ops', createDashboard({ backend, auth: { basic: { username: 'u', password: 'p' } } }));
    const basic = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
    expect((await parent.request('/ops/api/jobs/bulk/cancel', { method: 'POST', headers: basic })).status).toBe(403);
    expect((await backend.stats()).counts.queued).toBe(3);
  });

  it('lists the workers of a backend with liveness records, and says when a backend has none', async () => {
    expect(await (await dashboardOf(createMemoryBackend())('/workers')).json()).toEqual({ enabled: false, workers: [] });
  });
});

describe('overview API on SQLite with 200,000 finished jobs', () => {
  let dir = '';
  let backend: JobBackend;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'errand-overview-'));
    const path = join(dir, 'jobs.db');
    fillMillion(path, 200_000);
    backend = createSqliteBackend({ path });
  });
  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts them from the kept counts, pages the newest, and draws a full day from the series', async () => {
    const api = dashboardOf(backend);
    const stats = await (await api('/stats')).json();
    expect(stats.counts).toMatchObject({ succeeded: 196_000, dead: 4_000, queued: 0 });
    const page = await (await api('/jobs?limit=25')).json();
    expect(page.total).toBe(200_000);
    expect(page.jobs[0].id).toBe('job-200000');
    expect((await (await api('/jobs?state=dead&limit=5')).json()).total).toBe(4_000);
    const day = await (await api('/series?range=day')).json();
    expect(day.tasks.map((t: { task: string }) => t.task)).toEqual(['generate-thumbnails', 'nightly-report', 'send-welcome-email']);
    expect(day.points.filter((p: { succeeded: number }) => p.succeeded > 0).length).toBeGreaterThanOrEqual(95);
    expect((await (await api('/search?q=job-100000')).json()).jobs[0].id).toBe('job-100000');
  });
});
