/**
 * The trace of a `POST /register` on an errand app served over real HTTP, with the real
 * OpenTelemetry SDK and the host's own http instrumentation making the request span: the
 * after-response task's span and the enqueue's `create` span are its children, and each attempt of
 * the durable job (failing twice, then succeeding) is a `process` span linked to the `create` span,
 * or its child with `attemptSpanParent: 'child'`. On every backend.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { errand } from '../../src/adapters/hono/errand.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';
import type { AttemptSpanParent } from '../../src/tracing/job-spans.js';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createSqliteBackend } from '../../src/backends/sqlite/create-sqlite-backend.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import { createPostgresBackend } from '../../src/backends/postgres/create-postgres-backend.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';
import { installTracing, parentSpanId, until } from './tracing-sdk.js';

const tracing = installTracing();
// The host's instrumentation, as an app's SDK setup enables it: it patches http.Server, which the
// Hono node server uses; requiring node:http after enable() applies the patch.
const http = new HttpInstrumentation();
http.enable();
createRequire(import.meta.url)('node:http');
afterAll(async () => {
  http.disable();
  await tracing.uninstall();
});

const redisUp = await redisAvailable();
const postgresUp = await postgresAvailable();

interface Opened {
  backend: JobBackend;
  cleanup(): Promise<void>;
}

const backends: [string, boolean, () => Promise<Opened>][] = [
  ['memory', true, () => Promise.resolve({ backend: createMemoryBackend(), cleanup: () => Promise.resolve() })],
  [
    'sqlite',
    true,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'errand-trace-'));
      return Promise.resolve({ backend: createSqliteBackend({ path: join(dir, 'jobs.db') }), cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) });
    },
  ],
  [
    'redis',
    redisUp,
    () => {
      const prefix = uniqueRedisPrefix('trace');
      return Promise.resolve({ backend: createRedisBackend({ url: testRedisUrl, prefix }), cleanup: () => deleteRedisPrefix(prefix).then(() => undefined) });
    },
  ],
  [
    'postgres',
    postgresUp,
    () => {
      const schema = uniquePostgresSchema('trace');
      return Promise.resolve({ backend: createPostgresBackend({ connectionString: testPostgresUrl, schema }), cleanup: () => dropPostgresSchema(schema) });
    },
  ],
];

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
  tracing.exporter.reset();
});

async function registerOnce(opened: Opened, attemptSpanParent: AttemptSpanParent): Promise<{ traceId: string }> {
  const { backend } = opened;
  let calls = 0;
  const welcome = defineTask('send-welcome', {
    retries: 3,
    backoff: { type: 'fixed', delayMs: 10 },
    handler: (payload: { email: string }) => {
      calls++;
      if (calls <= 2) throw new Error(`smtp refused attempt ${calls} for ${payload.email}`);
      return { sent: true };
    },
  });
  const logger = pino({ level: 'silent' });
  const queue = createQueue({ backend });
  const app = new Hono<ErrandEnv>();
  const { runner } = errand(app, { logger, background: { queue } });
  app.post('/register', (c) => {
    c.var.background.add({ name: 'audit' }, () => Promise.reject(new Error('audit log unavailable')));
    c.var.background.add(welcome, { email: 'ada@example.com' }, { durable: true });
    return c.json({ ok: true });
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const worker: Worker = createWorker({ backend, tasks: [welcome], pollMs: 20, attemptSpanParent, logger: { debug() {}, info() {}, warn() {}, error() {} } }).start();
  closers.push(async () => {
    await worker.stop();
    await runner.drain();
    await backend.close();
    await opened.cleanup();
  });

  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/register`, { method: 'POST' });
  expect(response.status).toBe(200);
  await until(() => tracing.spans().filter((span) => span.name === 'process send-welcome').length === 3, 'three attempt spans');
  await until(() => tracing.spans().some((span) => span.kind === SpanKind.SERVER), 'the request span');
  const request = tracing.spans().find((span) => span.kind === SpanKind.SERVER);
  return { traceId: request?.spanContext().traceId ?? '' };
}

function attemptsOf(spans: ReadableSpan[]): ReadableSpan[] {
  return spans.filter((span) => span.name === 'process send-welcome').sort((a, b) => Number(a.attributes['errand.job.attempt']) - Number(b.attributes['errand.job.attempt']));
}

describe.each(backends)('POST /register traced on the %s backend', (_name, available, open) => {
  it.skipIf(!available)('holds the request span, the task and create spans under it, and one process span per attempt linked to the create span', async () => {
    const { traceId } = await registerOnce(await open(), 'link');
    const spans = tracing.spans();
    // Exactly one request span: the host's. errand starts none of its own.
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(servers).toHaveLength(1);
    const [request] = servers;
    if (request === undefined) throw new Error('no request span');
    const audit = tracing.span('task audit');
    const create = tracing.span('create send-welcome');
    expect(parentSpanId(audit)).toBe(request.spanContext().spanId);
    expect(audit.spanContext().traceId).toBe(traceId);
    expect(audit.status.code).toBe(SpanStatusCode.ERROR);
    expect(audit.events[0]?.attributes?.['exception.message']).toBe('audit log unavailable');
    expect(parentSpanId(create)).toBe(request.spanContext().spanId);
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(create.attributes).toMatchObject({ 'messaging.system': 'errand', 'messaging.operation.type': 'create', 'messaging.destination.name': 'send-welcome' });

    const attempts = attemptsOf(spans);
    expect(attempts.map((span) => span.attributes['errand.job.attempt'])).toEqual([1, 2, 3]);
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(SpanKind.CONSUMER);
      expect(attempt.attributes).toMatchObject({
        'messaging.system': 'errand',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'send-welcome',
        'messaging.message.id': create.attributes['messaging.message.id'],
      });
      // Linked, not parented: each attempt starts its own trace.
      expect(parentSpanId(attempt)).toBeUndefined();
      expect(attempt.spanContext().traceId).not.toBe(traceId);
      expect(attempt.links.map((link) => link.context.spanId)).toEqual([create.spanContext().spanId]);
      expect(attempt.links[0]?.context.traceId).toBe(traceId);
    }
    expect(attempts.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(attempts[0]?.events[0]?.attributes?.['exception.message']).toBe('smtp refused attempt 1 for ada@example.com');
    expect(attempts.map((span) => span.attributes['errand.job.will_retry'])).toEqual([true, true, undefined]);
    expect(attempts.map((span) => span.attributes['errand.job.outcome'])).toEqual(['failed', 'failed', 'succeeded']);
  });

  it.skipIf(!available)("makes each attempt a child of the create span, in the request's trace, with attemptSpanParent: 'child'", async () => {
    const { traceId } = await registerOnce(await open(), 'child');
    const create = tracing.span('create send-welcome');
    const attempts = attemptsOf(tracing.spans());
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(traceId);
      expect(parentSpanId(attempt)).toBe(create.spanContext().spanId);
      expect(attempt.links).toEqual([]);
    }
  });
});
