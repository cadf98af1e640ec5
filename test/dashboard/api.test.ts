import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createDashboard, type DashboardOptions } from '../../src/dashboard/create-dashboard.js';
import { recordTaskFailures } from '../../src/dashboard/record-task-failures.js';
import { createTaskFailureLog } from '../../src/dashboard/task-failure-log.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineSchedule } from '../../src/jobs/define-schedule.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { syncSchedules } from '../../src/jobs/scheduler.js';
import { createTaskRunner } from '../../src/tasks/task-runner.js';
import { createProblemApp } from './problem-app.js';

const auth = { authorization: 'Bearer api-test-token' };

describe('dashboard JSON API', () => {
  let backend: JobBackend;
  beforeEach(async () => {
    backend = createMemoryBackend();
    const now = Date.now();
    const jobs = Array.from({ length: 7 }, (_, i) => ({ id: `j${i}`, task: i % 2 === 0 ? 'even' : 'odd', payload: { i }, runAt: now, priority: 0, maxAttempts: 1, createdAt: now + i }));
    await backend.enqueue(jobs);
    // j0, j2 dead (even); j1 running (odd)
    const claimed = await backend.claim({ workerId: 'w', tasks: ['even', 'odd'], limit: 3, leaseMs: 60_000, waitMs: 0 });
    for (const lease of claimed) {
      if (lease.task === 'even') await backend.fail(lease, { error: { type: 'about:blank', title: 'Boom', status: 500, detail: `job ${lease.jobId}`, stack: 'Error: Boom\n    at handler' }, retryAt: null });
    }
  });
  afterEach(async () => backend.close());

  function app(options: Partial<DashboardOptions> = {}) {
    const parent = createProblemApp();
    parent.route('/ops', createDashboard({ backend, auth: { token: 'api-test-token' }, ...options }));
    return (path: string, init: RequestInit = {}) => parent.request(`/ops/api${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  }

  it('reports stats with the oldest waiting age', async () => {
    const body = await (await app()('/stats')).json();
    expect(body.counts).toMatchObject({ queued: 4, running: 1, dead: 2 });
    expect(body.byTask.even).toMatchObject({ dead: 2, queued: 2 });
    expect(body.oldestQueuedAgeMs).toBeGreaterThanOrEqual(0);
    expect(body.backend).toBe('memory');
  });

  it('pages and filters jobs by state and task', async () => {
    const request = app();
    const first = await (await request('/jobs?limit=3')).json();
    expect(first.total).toBe(7);
    expect(first.jobs).toHaveLength(3);
    const rest = await (await request('/jobs?limit=3&offset=6')).json();
    expect(rest.jobs).toHaveLength(1);
    const evenQueued = await (await request('/jobs?state=queued&task=even')).json();
    expect(evenQueued.jobs.map((j: { id: string }) => j.id).sort()).toEqual(['j4', 'j6']);
  });

  it('answers a bad query with a 422 problem naming each field', async () => {
    const response = await app()('/jobs?state=lost&limit=1000');
    expect(response.status).toBe(422);
    const problem = await response.json();
    expect(problem.code).toBe('ERRAND_VALIDATION_FAILED');
    expect(problem.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/limit', '/state']);
  });

  it('answers an unknown job with ERRAND_JOB_NOT_FOUND, for reads and actions', async () => {
    const request = app();
    for (const [path, method] of [['/jobs/nope', 'GET'], ['/jobs/nope/retry', 'POST'], ['/jobs/nope/cancel', 'POST'], ['/jobs/nope', 'DELETE']] as const) {
      const response = await request(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect((await response.json()).code).toBe('ERRAND_JOB_NOT_FOUND');
    }
  });

  it('retries, cancels and deletes, with 409 when the state does not allow it', async () => {
    const request = app();
    expect((await request('/jobs/j3/retry', { method: 'POST' })).status).toBe(409);
    expect((await (await request('/jobs/j0/retry', { method: 'POST' })).json()).state).toBe('queued');
    expect((await (await request('/jobs/j3/cancel', { method: 'POST' })).json()).state).toBe('cancelled');
    const again = await request('/jobs/j3/cancel', { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await again.json()).code).toBe('ERRAND_JOB_STATE_CONFLICT');
    expect((await request('/jobs/j1', { method: 'DELETE' })).status).toBe(409);
    expect((await request('/jobs/j3', { method: 'DELETE' })).status).toBe(204);
    expect(await backend.get('j3')).toBeUndefined();
  });

  it('retries every dead job, optionally of one task', async () => {
    const request = app();
    expect((await (await request('/jobs/retry-dead?task=odd', { method: 'POST' })).json()).retried).toBe(0);
    expect((await (await request('/jobs/retry-dead', { method: 'POST' })).json()).retried).toBe(2);
    expect((await backend.stats()).counts.dead).toBe(0);
  });

  it('lists schedules with their next run, and pauses and resumes them', async () => {
    const digest = defineTask('digest', { handler: () => undefined });
    await syncSchedules(backend.schedules!, [defineSchedule(digest, { every: 60_000 })], ['digest'], Date.UTC(2026, 0, 1));
    const request = app();
    const listed = await (await request('/schedules')).json();
    expect(listed).toEqual({ enabled: true, schedules: [expect.objectContaining({ name: 'digest', nextRunAt: Date.UTC(2026, 0, 1, 0, 1), paused: false, spec: expect.objectContaining({ every: 60_000, task: 'digest' }) })] });
    expect(await (await request('/schedules/digest/pause', { method: 'POST' })).json()).toMatchObject({ name: 'digest', paused: true });
    const resumed = await (await request('/schedules/digest/resume', { method: 'POST' })).json();
    expect(resumed.paused).toBe(false);
    expect(resumed.nextRunAt).toBeGreaterThan(Date.now() - 60_000);
    const unknown = await request('/schedules/nope/pause', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe('ERRAND_SCHEDULE_NOT_FOUND');
  });

  it('sends job stacks only in debug mode', async () => {
    expect((await (await app()('/jobs/j0')).json()).error).not.toHaveProperty('stack');
    expect((await (await app({ debug: true })('/jobs/j0')).json()).error.stack).toContain('at handler');
  });

  it('shows after-response task failures recorded from a real runner, newest first, bounded', async () => {
    const runner = createTaskRunner({ logger: pino({ level: 'silent' }) });
    const failures = createTaskFailureLog({ capacity: 2 });
    recordTaskFailures(runner, failures);
    const batch = runner.createBatch({ requestId: 'req-9' });
    for (const name of ['first', 'second', 'third']) {
      batch.add({ name }, () => {
        throw new Error(`${name} broke`);
      });
    }
    batch.add(function fine() {});
    runner.start(batch, 200);
    await runner.onIdle();
    await runner.drain();
    const body = await (await app({ taskFailures: failures })('/task-failures')).json();
    expect(body.enabled).toBe(true);
    expect(body.failures.map((f: { task: string }) => f.task)).toEqual(['third', 'second']);
    expect(body.failures[0]).toMatchObject({ outcome: 'failed', requestId: 'req-9', error: { detail: 'third broke' } });
    expect(body.failures[0].error).not.toHaveProperty('stack');
    expect(failures.total).toBe(3);
  });

  it('shows the dev mailbox when given one, and says when there is none', async () => {
    const mailbox = () => [{ subject: 'Welcome', to: 'ada@example.com', receivedAt: new Date(1_700_000_000_000), text: 'hi' }];
    const body = await (await app({ mailbox })('/mailbox')).json();
    expect(body).toEqual({ enabled: true, messages: [{ subject: 'Welcome', to: ['ada@example.com'], receivedAt: 1_700_000_000_000, text: 'hi' }] });
    expect(await (await app()('/mailbox')).json()).toEqual({ enabled: false, messages: [] });
  });
});
