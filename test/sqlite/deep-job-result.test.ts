/**
 * A job result nested deeper than errand's JSON encoder goes (512 levels) but not so deep that
 * `JSON.stringify` refuses it is stored by SQLite; the status route must still answer for that job,
 * over a real socket, with the result replaced by a marker, not a 500 on every poll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { jobsRoutes } from '../../src/adapters/hono/jobs-routes.js';
import { serve } from '../../src/adapters/hono/serve.js';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker } from '../../src/jobs/worker.js';
import { sendRequest } from '../../src/testing/adapter-conformance-client.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

let dir = '';
let backend: JobBackend;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-sqlite-deep-result-'));
  backend = createSqliteBackend({ path: join(dir, 'jobs.db') });
});

afterEach(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

it('answers GET /jobs/:id 200 for a job whose stored result nests past the encoder, the result replaced by a marker', async () => {
  const deep = defineTask('deep-result', { handler: (payload: { depth: number }) => nested(payload.depth) });
  const shallow = defineTask('shallow-result', { handler: () => nested(3) });
  const queue = createQueue({ backend });
  const { logger, lines } = memoryLogger();
  const worker = createWorker({ backend, tasks: [deep, shallow], logger, pollMs: 20, pruneIntervalMs: 0 }).start();
  const app = new Hono<ErrandEnv>();
  const installed = errand(app, { mode: 'production', logger });
  app.route('/jobs', jobsRoutes(queue));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner: installed.runner, signals: false, logger });
  try {
    const { port } = await server.listening;
    const deepId = await queue.enqueue(deep, { depth: 2_000 });
    const shallowId = await queue.enqueue(shallow, {});
    for (let i = 0; i < 200 && ((await backend.get(deepId))?.state !== 'succeeded' || (await backend.get(shallowId))?.state !== 'succeeded'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await backend.get(deepId))?.state).toBe('succeeded');
    const errors = (): number => lines.filter((line) => (line.level as number) >= 50).length;
    const errorsBefore = errors();
    for (let poll = 0; poll < 3; poll++) {
      const response = await sendRequest(port, { path: `/jobs/${deepId}` });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ id: deepId, state: 'succeeded', error: null, result: { code: 'ERRAND_ENCODING_FAILED' } });
      expect((response.json?.result as { detail: string }).detail).toBe("the job's result is stored but cannot be sent as JSON: nesting deeper than 512");
    }
    expect(errors()).toBe(errorsBefore);
    const plain = await sendRequest(port, { path: `/jobs/${shallowId}` });
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({ state: 'succeeded', result: [[['bottom']]] });
  } finally {
    await server.shutdown({ timeoutMs: 5_000 });
    await worker.stop({ timeoutMs: 1_000 });
  }
});
