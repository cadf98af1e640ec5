import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { acceptedJob, jobsRoutes } from '../../src/adapters/hono/jobs-routes.js';
import { createBackendFromUrl } from '../../src/backends/from-url.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { isErrandError } from '../../src/errors/errand-error.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { freePort, PrivateRedis } from './private-redis.js';

/**
 * Redis down, restarting or frozen must never make a call hang: every backend call fails within its
 * budget with ERRAND_BACKEND_UNAVAILABLE (503 + Retry-After at the HTTP edge), and a worker resumes
 * on its own once Redis is back. Each test runs its own redis-server on its own port.
 */
const ran: string[] = [];
const echo = defineTask('echo', { handler: (payload: { n: number }) => void ran.push(String(payload.n)) });
const opened: JobBackend[] = [];
const workers: Worker[] = [];
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await PrivateRedis.start();
});
afterEach(async () => {
  redis.thaw();
  for (const worker of workers.splice(0)) await worker.stop({ timeoutMs: 1_000 });
  for (const backend of opened.splice(0)) await backend.close();
});
afterAll(async () => {
  await redis.stop();
});

function open(url: string, commandTimeoutMs?: number): JobBackend {
  const backend = createRedisBackend({ url, prefix: `down-${Math.random().toString(36).slice(2, 8)}`, ...(commandTimeoutMs === undefined ? {} : { commandTimeoutMs }) });
  opened.push(backend);
  return backend;
}

/** How long `promise` took to settle, and its error. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('Redis backend when Redis is down or frozen', () => {
  it('fails enqueue on a URL nobody listens on with ERRAND_BACKEND_UNAVAILABLE within the default budget', async () => {
    const backend = await createBackendFromUrl(`redis://127.0.0.1:${await freePort()}`);
    opened.push(backend);
    const queue = createQueue({ backend });
    const { ms, error } = await timed(queue.enqueue(echo, { n: 1 }));
    expect(isErrandError(error, 'ERRAND_BACKEND_UNAVAILABLE')).toBe(true);
    expect((error as { headers?: Record<string, string> }).headers).toEqual({ 'Retry-After': '5' });
    // The default budget is 5 s; the rest is slack for a loaded machine. It used to hang for good.
    expect(ms).toBeGreaterThanOrEqual(4_000);
    expect(ms).toBeLessThan(15_000);
  }, 30_000);

  it('fails every kind of call within its budget while Redis is frozen (SIGSTOP), and works again once it thaws', async () => {
    const backend = open(redis.url, 1_000);
    const queue = createQueue({ backend });
    const id = await queue.enqueue(echo, { n: 1 });
    redis.freeze();
    const calls: Promise<unknown>[] = [
      queue.enqueue(echo, { n: 2 }),
      backend.get(id),
      backend.stats(),
      backend.claim({ workerId: 'w', tasks: ['echo'], limit: 1, leaseMs: 30_000, waitMs: 0 }),
      backend.heartbeat([{ jobId: id, token: 'x', leaseUntil: 0 }], 30_000),
    ];
    for (const outcome of await Promise.all(calls.map(timed))) {
      expect(isErrandError(outcome.error, 'ERRAND_BACKEND_UNAVAILABLE')).toBe(true);
      expect(outcome.ms).toBeLessThan(10_000);
    }
    redis.thaw();
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ id }), 10_000);
    expect(await queue.enqueue(echo, { n: 3 })).toEqual(expect.any(String));
  }, 40_000);

  it('a claim that timed out on a frozen Redis leaves no job locked: the job it took when Redis woke is handed back', async () => {
    const backend = open(redis.url, 1_000);
    const queue = createQueue({ backend });
    const id = await queue.enqueue(echo, { n: 20 });
    const claim = () => backend.claim({ workerId: 'w', tasks: ['echo'], limit: 1, leaseMs: 30_000, waitMs: 0 });
    redis.freeze();
    const abandoned = await timed(claim());
    expect(isErrandError(abandoned.error, 'ERRAND_BACKEND_UNAVAILABLE')).toBe(true);
    redis.thaw();
    // The claim's commands ran once Redis woke and took the job; it used to stay locked for its 30 s
    // lease, run by nobody. The next claim gets it well before that, its first attempt still.
    const [again] = await eventually(async () => {
      const jobs = await claim();
      if (jobs.length === 0) throw new Error('the job is not back in the queue yet');
      return jobs;
    }, 15_000, 100);
    expect(again).toMatchObject({ jobId: id, attempt: 1 });
  }, 60_000);

  it('keeps a worker reconnecting while Redis is stopped, and it runs new jobs on its own once Redis is back', async () => {
    const backend = open(redis.url, 1_000);
    const queue = createQueue({ backend });
    const logger = memoryLogger();
    const worker = createWorker({ backend, tasks: [echo], pollMs: 100, pruneIntervalMs: 0, logger: logger.logger }).start();
    workers.push(worker);
    const errors: Error[] = [];
    worker.on('worker:error', ({ error }) => errors.push(error));
    // With a 1 s budget a healthy call can time out on a loaded machine: retry until it lands.
    await eventually(() => queue.enqueue(echo, { n: 10 }), 30_000, 200);
    await eventually(() => expect(ran).toContain('10'), 30_000);
    await redis.stop();
    const down = await timed(queue.enqueue(echo, { n: 11 }));
    expect(isErrandError(down.error, 'ERRAND_BACKEND_UNAVAILABLE')).toBe(true);
    expect(down.ms).toBeLessThan(10_000);
    await eventually(() => expect(errors.some((error) => isErrandError(error, 'ERRAND_BACKEND_UNAVAILABLE'))).toBe(true), 30_000);
    await redis.start();
    // No restart of the worker or the backend: ioredis reconnects, the claim loop resumes.
    await eventually(async () => expect(await queue.enqueue(echo, { n: 12 })).toEqual(expect.any(String)), 30_000, 200);
    await eventually(() => expect(ran).toContain('12'), 30_000);
  }, 180_000);

  it('answers 503 with Retry-After and a problem body at the HTTP edge, within the budget', async () => {
    const backend = open(`redis://127.0.0.1:${await freePort()}`, 1_000);
    const queue = createQueue({ backend });
    const app = new Hono<ErrandEnv>();
    errand(app, { mode: 'production', logger: memoryLogger().logger });
    app.post('/echo', async (c) => acceptedJob(c, await queue.enqueue(echo, { n: 1 })));
    app.route('/jobs', jobsRoutes(queue));
    const server: ServerType = await new Promise((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const [method, path] of [
        ['POST', '/echo'],
        ['GET', '/jobs/some-id'],
      ] as const) {
        const started = Date.now();
        const response = await fetch(`${base}${path}`, { method });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        const body = (await response.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ status: 503, code: 'ERRAND_BACKEND_UNAVAILABLE' });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);
});
