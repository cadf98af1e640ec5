// A Hono app in production mode that stores what a client sends as a job's payload, as a webhook
// relay does (validate with a schema that accepts any JSON object, then enqueue it), on the backend
// ENQUEUE_BACKEND names (memory, sqlite:<path>, redis:<prefix>, postgres:<schema>), with an in-process worker, its status route and its dashboard (token `enqueue-app-token`).
// test/security/unstorable-payloads.test.ts attacks it over a real socket. It prints
// {"listening":port} once it listens.
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { z } from 'zod';
import { createDashboard } from '../../src/dashboard/index.js';
import { createMemoryBackend } from '../../src/backends/memory/index.js';
import { createPostgresBackend } from '../../src/backends/postgres/index.js';
import { createRedisBackend } from '../../src/backends/redis/index.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { acceptedJob, errand, jobsRoutes, serve, validate, type ErrandEnv } from '../../src/adapters/hono/index.js';
import { createQueue, createWorker, defineTask, type JobBackend } from '../../src/jobs/index.js';
import { testPostgresUrl } from '../../src/testing/postgres.js';
import { testRedisUrl } from '../../src/testing/redis.js';

function backendOf(spec: string): JobBackend {
  if (spec.startsWith('sqlite:')) return createSqliteBackend({ path: spec.slice('sqlite:'.length) });
  if (spec.startsWith('postgres:')) return createPostgresBackend({ connectionString: testPostgresUrl, schema: spec.slice('postgres:'.length) });
  if (spec.startsWith('redis:')) return createRedisBackend({ url: testRedisUrl, prefix: spec.slice('redis:'.length) });
  return createMemoryBackend();
}

const backend = backendOf(process.env.ENQUEUE_BACKEND ?? 'memory');
const queue = createQueue({ backend });
const anyObject = z.record(z.string(), z.unknown());
const relay = defineTask('relay-webhook', { schema: anyObject, retries: 0, handler: (event) => ({ keys: Object.keys(event).length }) });
const worker = createWorker({ backend, tasks: [relay], pollMs: 20 }).start();

const app = new Hono<ErrandEnv>();
const { runner } = errand(app, { mode: 'production', background: { queue } });
app.post('/webhooks', validate('json', anyObject), async (c) => acceptedJob(c, await queue.enqueue(relay, c.req.valid('json'))));
app.route('/jobs', jobsRoutes(queue));
app.route('/admin', createDashboard({ backend, auth: { token: 'enqueue-app-token' } }));

const { server, listening } = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner, worker, backend, shutdownTimeoutMs: 5_000 });
await listening;
process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`);
