import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../testing/memory-logger.js';
import { createMemoryBackend } from '../../backends/memory/memory-backend.js';
import { defineTask } from '../../jobs/define-task.js';
import { createQueue } from '../../jobs/queue.js';
import { errand } from './errand.js';
import type { ErrandEnv } from './errand-env.js';
import { acceptedJob, jobsRoutes } from './jobs-routes.js';

const resize = defineTask('resize', { handler: (payload: { file: string }) => payload.file });

function makeApp(mode: 'production' | 'debug' = 'production') {
  const backend = createMemoryBackend();
  const queue = createQueue({ backend });
  const app = new Hono<ErrandEnv>();
  errand(app, { mode, logger: memoryLogger().logger });
  app.post('/upload', async (c) => acceptedJob(c, await queue.enqueue(resize, { file: 'a.png' })));
  app.route('/jobs', jobsRoutes(queue));
  return { app, backend, queue };
}

describe('jobs routes', () => {
  it('answers 202 with Location, and the status route shows the job', async () => {
    const { app } = makeApp();
    const accepted = await app.request('/upload', { method: 'POST' });
    expect(accepted.status).toBe(202);
    const { jobId: id, status: accepted202, location } = (await accepted.json()) as { jobId: string; status: string; location: string };
    expect(accepted202).toBe('queued');
    expect(accepted.headers.get('location')).toBe(`/jobs/${id}`);
    expect(location).toBe(`/jobs/${id}`);
    const status = await app.request(location);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ id, task: 'resize', state: 'queued', attempts: 0, progress: null, result: null, error: null });
  });

  it('shows progress, then the result once the job succeeded', async () => {
    const { app, backend } = makeApp();
    const { jobId: id } = (await (await app.request('/upload', { method: 'POST' })).json()) as { jobId: string };
    const [lease] = await backend.claim({ workerId: 'w', tasks: ['resize'], limit: 1, leaseMs: 10_000, waitMs: 0 });
    await backend.progress(lease, 50);
    expect(await (await app.request(`/jobs/${id}`)).json()).toMatchObject({ state: 'running', attempts: 1, progress: 50 });
    await backend.complete(lease, { url: '/files/a.png' });
    expect(await (await app.request(`/jobs/${id}`)).json()).toMatchObject({ state: 'succeeded', result: { url: '/files/a.png' } });
  });

  it('shows the error of a dead job as a problem, a 5xx without its internals in production', async () => {
    const internal = { type: 'about:blank', title: 'Error', status: 500, detail: "ENOENT: no such file or directory, open '/srv/app/uploads/missing.csv'", code: 'ENOENT' };
    for (const mode of ['production', 'debug'] as const) {
      const { app, backend } = makeApp(mode);
      const { jobId: id } = (await (await app.request('/upload', { method: 'POST' })).json()) as { jobId: string };
      const [lease] = await backend.claim({ workerId: 'w', tasks: ['resize'], limit: 1, leaseMs: 10_000, waitMs: 0 });
      await backend.fail(lease, { error: internal, retryAt: null });
      const { error } = (await (await app.request(`/jobs/${id}`)).json()) as { error: Record<string, unknown> };
      if (mode === 'debug') expect(error).toEqual(internal);
      else expect(error).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: expect.not.stringContaining('ENOENT') as unknown });
      // The operator's view (the backend, read by the dashboard) keeps everything.
      expect((await backend.get(id))?.error).toEqual(internal);
    }
  });

  it('answers an unknown id with a 404 problem, not "pending"', async () => {
    const { app } = makeApp();
    const res = await app.request('/jobs/never-enqueued');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, code: 'ERRAND_JOB_NOT_FOUND' });
  });
});
