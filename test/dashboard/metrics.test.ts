import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { ErrandError, isErrandError } from '../../src/errors/errand-error.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { createMetrics, type Metrics } from '../../src/metrics/create-metrics.js';
import { createSeriesMetrics } from '../../src/metrics/series-metrics.js';
import { Registry } from 'prom-client';
import { createTaskRunner, type TaskRunner } from '../../src/tasks/task-runner.js';

/** Reads one sample's value from Prometheus text, 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).split(' ')[0];
    if (wanted.every((pair) => labelPart.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('/metrics', () => {
  let backend: JobBackend;
  let metrics: Metrics;
  let queue: Queue;
  let worker: Worker;
  let runner: TaskRunner;
  let app: Hono<ErrandEnv>;
  const resize = defineTask('resize-image', { handler: (payload: { width: number }) => ({ width: payload.width / 2 }), retries: 0 });
  const charge = defineTask('charge-card', { handler: () => { throw new Error('card declined'); }, retries: 0 });

  beforeAll(() => {
    backend = createMemoryBackend();
    metrics = createMetrics({ backend });
    queue = createQueue({ backend: metrics.jobs.instrument(backend) });
    worker = createWorker({ backend, tasks: [resize, charge], pollMs: 20, pruneIntervalMs: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    metrics.jobs.observe(worker);
    runner = createTaskRunner({ logger: pino({ level: 'silent' }) });
    metrics.tasks.observe(runner);
    app = new Hono<ErrandEnv>();
    app.use('*', metrics.middleware);
    errand(app, { mode: 'production', logger: pino({ level: 'silent' }) });
    app.get('/metrics', metrics.handler);
    app.get('/hello/:name', (c) => c.json({ hello: c.req.param('name') }));
    app.get('/jobs/:id', (c) => {
      throw new ErrandError('ERRAND_JOB_NOT_FOUND', `no job ${c.req.param('id')}`);
    });
    app.get('/boom', () => {
      throw new TypeError('undefined is not a function');
    });
  });

  afterAll(async () => {
    await worker.stop();
    await runner.drain();
    await backend.close();
  });

  async function scrape(): Promise<string> {
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  }

  it('moves request, error, task and job counters after real requests and jobs', async () => {
    const before = await scrape();

    for (const name of ['ada', 'grace', 'linus']) expect((await app.request(`/hello/${name}`)).status).toBe(200);
    expect((await app.request('/jobs/nope')).status).toBe(404);
    expect((await app.request('/boom')).status).toBe(500);

    const batch = runner.createBatch({ requestId: 'req-1' });
    batch.add(function sendReceipt() {});
    batch.add(function syncCrm() {
      throw new Error('CRM unreachable');
    });
    runner.start(batch, 200);
    await runner.onIdle();

    await queue.enqueue(resize, { width: 800 });
    await queue.enqueue(resize, { width: 600 });
    const chargeId = await queue.enqueue(charge, {});
    // Measure the queue gauges before the worker takes the jobs.
    const queued = await scrape();
    expect(sample(queued, 'errand_queue_jobs', { state: 'queued' })).toBe(3);
    expect(sample(queued, 'errand_queue_task_jobs', { task: 'resize-image', state: 'queued' })).toBe(2);
    expect(sample(queued, 'errand_queue_oldest_waiting_age_seconds')).toBeGreaterThanOrEqual(0);
    worker.start();
    await until(async () => (await backend.get(chargeId))?.state === 'dead' && (await backend.stats()).counts.succeeded === 2);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}): number => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('errand_http_requests_total', { route: '/hello/:name', status: '200' })).toBe(3);
    expect(moved('errand_http_requests_total', { route: '/jobs/:id', status: '404' })).toBe(1);
    expect(moved('errand_http_errors_total', { status: '404', error_class: 'ErrandError', code: 'ERRAND_JOB_NOT_FOUND' })).toBe(1);
    expect(moved('errand_http_errors_total', { status: '500', error_class: 'TypeError' })).toBe(1);
    expect(moved('errand_http_request_duration_seconds_count', { route: '/hello/:name' })).toBe(3);
    expect(moved('errand_tasks_started_total', { task: 'sendReceipt' })).toBe(1);
    expect(moved('errand_tasks_total', { task: 'sendReceipt', outcome: 'succeeded' })).toBe(1);
    expect(moved('errand_tasks_total', { task: 'syncCrm', outcome: 'failed' })).toBe(1);
    expect(moved('errand_task_duration_seconds_count', { task: 'syncCrm', outcome: 'failed' })).toBe(1);
    expect(moved('errand_jobs_enqueued_total', { task: 'resize-image' })).toBe(2);
    expect(moved('errand_jobs_enqueued_total', { task: 'charge-card' })).toBe(1);
    expect(moved('errand_jobs_succeeded_total', { task: 'resize-image' })).toBe(2);
    expect(moved('errand_jobs_failed_total', { task: 'charge-card' })).toBe(1);
    expect(moved('errand_jobs_dead_total', { task: 'charge-card' })).toBe(1);
    expect(moved('errand_job_duration_seconds_count', { task: 'resize-image', outcome: 'succeeded' })).toBe(2);
    expect(sample(after, 'errand_queue_jobs', { state: 'queued' })).toBe(0);
    expect(sample(after, 'errand_queue_jobs', { state: 'dead' })).toBe(1);
    expect(sample(after, 'errand_queue_oldest_waiting_age_seconds')).toBe(0);
  });

  it('counts jobs written in the app\'s transaction apart from other enqueues, and keeps tx refused where the backend has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'errand-metrics-tx-'));
    const path = join(dir, 'app.db');
    const sqlite = createSqliteBackend({ path });
    const db = new Database(path);
    try {
      const counted = createMetrics();
      const txQueue = createQueue({ backend: counted.jobs.instrument(sqlite) });
      db.exec('BEGIN IMMEDIATE');
      await txQueue.enqueueMany([{ task: resize, payload: { width: 8 } }, { task: resize, payload: { width: 4 } }], { tx: db });
      await txQueue.enqueue(charge, {}, { tx: db });
      db.exec('COMMIT');
      await txQueue.enqueue(resize, { width: 2 });
      const text = await counted.registry.metrics();
      expect(sample(text, 'errand_jobs_enqueued_in_transaction_total', { task: 'resize-image' })).toBe(2);
      expect(sample(text, 'errand_jobs_enqueued_in_transaction_total', { task: 'charge-card' })).toBe(1);
      expect(sample(text, 'errand_jobs_enqueued_total', { task: 'resize-image' })).toBe(1);
      const memoryQueue = createQueue({ backend: counted.jobs.instrument(createMemoryBackend()) });
      const refused = await memoryQueue.enqueue(resize, { width: 1 }, { tx: db }).catch((error: unknown) => error);
      expect(isErrandError(refused, 'ERRAND_TX_UNSUPPORTED')).toBe(true);
    } finally {
      db.close();
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps each instance on its own registry', () => {
    const other = createMetrics();
    expect(other.registry).not.toBe(metrics.registry);
    expect(() => createMetrics()).not.toThrow();
  });

  it('can require a bearer token to scrape', async () => {
    const guarded = createMetrics({ token: 'scrape-secret' });
    const scrapeApp = new Hono<ErrandEnv>();
    errand(scrapeApp, { mode: 'production', logger: pino({ level: 'silent' }) });
    scrapeApp.get('/metrics', guarded.handler);
    expect((await scrapeApp.request('/metrics')).status).toBe(401);
    expect((await scrapeApp.request('/metrics', { headers: { authorization: 'Bearer scrape-secret' } })).status).toBe(200);
  });
});

describe('queue series metrics', () => {
  it('exposes the backend time series as a counter and run and wait histograms that only grow between scrapes', async () => {
    let clock = Date.now() - 3 * 60_000;
    const backend = createMemoryBackend({ now: () => clock });
    const metrics = createMetrics({ backend });
    const scrape = async (): Promise<string> => metrics.registry.metrics();
    const finish = async (id: string, waitMs: number, runMs: number, ok: boolean): Promise<void> => {
      await backend.enqueue([{ id, task: 'resize', payload: null, runAt: clock, priority: 0, maxAttempts: 1, createdAt: clock }]);
      clock += waitMs;
      const [lease] = await backend.claim({ workerId: 'w', tasks: ['resize'], limit: 1, leaseMs: 60_000, waitMs: 0 });
      clock += runMs;
      if (ok) await backend.complete(lease, null);
      else await backend.fail(lease, { error: { type: 'about:blank', title: 'x', status: 500 }, retryAt: null });
    };
    await finish('a', 3, 200, true);
    await finish('b', 3, 200, true);
    await finish('c', 700, 7_000, false);
    const text = await scrape();
    expect(text).toContain('# TYPE errand_queue_job_run_seconds histogram');
    expect(sample(text, 'errand_queue_attempts_total', { task: 'resize', outcome: 'succeeded' })).toBe(2);
    expect(sample(text, 'errand_queue_attempts_total', { task: 'resize', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'errand_queue_job_run_seconds_bucket', { task: 'resize', le: '0.25' })).toBe(2);
    expect(sample(text, 'errand_queue_job_run_seconds_bucket', { task: 'resize', le: '10' })).toBe(3);
    expect(sample(text, 'errand_queue_job_run_seconds_bucket', { task: 'resize', le: '+Inf' })).toBe(3);
    expect(sample(text, 'errand_queue_job_run_seconds_sum', { task: 'resize' })).toBeCloseTo(7.4);
    expect(sample(text, 'errand_queue_job_wait_seconds_bucket', { task: 'resize', le: '0.005' })).toBe(2);
    expect(sample(text, 'errand_queue_job_wait_seconds_count', { task: 'resize' })).toBe(3);

  });

  it('adds each minute once it is over, and never counts a minute twice', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 10);
    const backend = createMemoryBackend({ now: () => clock });
    const registry = new Registry();
    createSeriesMetrics(registry, 'errand_', (since) => backend.series!(since), () => clock);
    const finish = async (id: string): Promise<void> => {
      await backend.enqueue([{ id, task: 'mail', payload: null, runAt: clock, priority: 0, maxAttempts: 1, createdAt: clock }]);
      const [lease] = await backend.claim({ workerId: 'w', tasks: ['mail'], limit: 1, leaseMs: 60_000, waitMs: 0 });
      await backend.complete(lease, null);
    };
    const succeeded = async (): Promise<number> => sample(await registry.metrics(), 'errand_queue_attempts_total', { task: 'mail', outcome: 'succeeded' });
    await finish('a');
    expect(await succeeded()).toBe(0); // its minute is not over
    clock += 60_000;
    await finish('b');
    expect(await succeeded()).toBe(1);
    clock += 2_000;
    expect(await succeeded()).toBe(1);
    clock += 60_000;
    expect(await succeeded()).toBe(2);
  });
});
