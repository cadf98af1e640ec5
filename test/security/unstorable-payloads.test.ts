/**
 * A client's JSON body enqueued as a job's payload (test/security/enqueue-app.fixture.ts: a webhook
 * relay whose schema accepts any object). `JSON.parse` reads objects nested far deeper than
 * `JSON.stringify` can write back, so a body of 10,000 nested objects passes the schema and then
 * cannot be stored. It was a bare RangeError on memory and SQLite (500 ERRAND_INTERNAL) and
 * ERRAND_BACKEND_UNAVAILABLE on Redis (503 with Retry-After, "check that Redis is reachable"):
 * a client's bad input answered as the server's fault, inviting retries. It is the payload's fault:
 * 422 ERRAND_JOB_PAYLOAD_INVALID on every backend, and the next good body is stored and run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, postgresAvailable, uniquePostgresSchema } from '../../src/testing/postgres.js';
import { deleteRedisPrefix, redisAvailable, uniqueRedisPrefix } from '../../src/testing/redis.js';
import { fixtureCommand } from '../support/fixture-command.js';
import { rawRequest, sendRaw } from './attack-client.js';

const redisUp = await redisAvailable();
const postgresUp = await postgresAvailable();
const dir = mkdtempSync(join(tmpdir(), 'errand-unstorable-'));
const redisPrefix = uniqueRedisPrefix('unstorable');
const postgresSchema = uniquePostgresSchema('unstorable');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (redisUp) await deleteRedisPrefix(redisPrefix);
  if (postgresUp) await dropPostgresSchema(postgresSchema);
});

interface App {
  port: number;
  output: string[];
  stop(): Promise<number | null>;
}

function startApp(backend: string): Promise<App> {
  const child = spawn(process.execPath, fixtureCommand(new URL('./enqueue-app.fixture.ts', import.meta.url)), {
    env: { ...process.env, ENQUEUE_BACKEND: backend, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stderr.on('data', (chunk: Buffer) => output.push(`stderr: ${chunk.toString()}`));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        output.push(line);
        const port = /^\{"listening":(\d+)\}$/.exec(line)?.[1];
        if (port !== undefined) {
          resolve({
            port: Number(port),
            output,
            async stop() {
              child.kill('SIGTERM');
              const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
              const code = await exited;
              clearTimeout(timer);
              return code;
            },
          });
        }
      }
    });
    void exited.then((code) => reject(new Error(`the enqueue app exited (${code}) before listening:\n${output.join('\n')}`)));
  });
}

const json = { 'Content-Type': 'application/json' };
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
// Up to Node 24, JSON.stringify overflows its stack on 10,000 nested objects that JSON.parse reads;
// Node 26's writes them. Where it can, the deep body is a payload like any other: stored and run.
const deepStorable = ((): boolean => {
  try {
    JSON.stringify(JSON.parse(nested(10_000)));
    return true;
  } catch {
    return false;
  }
})();

async function jobState(port: number, location: string): Promise<string | undefined> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await sendRaw(port, rawRequest('GET', location));
    const state = (JSON.parse(answer.body) as { state?: string }).state;
    if (state === 'succeeded' || state === 'dead' || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const backends = ['memory', `sqlite:${join(dir, 'jobs.db')}`, ...(redisUp ? [`redis:${redisPrefix}`] : []), ...(postgresUp ? [`postgres:${postgresSchema}`] : [])];

describe.each(backends)('a client body that cannot be stored as a job payload (%s)', (backend) => {
  it('is answered 422 ERRAND_JOB_PAYLOAD_INVALID (stored and run where the Node can write it), the next body is stored and run, and an id with a NUL finds nothing', async () => {
    const app = await startApp(backend);
    try {
      if (deepStorable) {
        const stored = await sendRaw(app.port, rawRequest('POST', '/webhooks', json, nested(10_000)));
        expect(stored.status).toBe(202);
        expect(await jobState(app.port, stored.headers.location ?? '')).toBe('succeeded');
      }
      // Where the deep body is storable, a body the enqueue app's schema accepts but JSON cannot hold
      // does not exist: the refusal is then proved in-process below (a BigInt payload).
      const refused = deepStorable ? undefined : await sendRaw(app.port, rawRequest('POST', '/webhooks', json, nested(10_000)));
      if (refused !== undefined) {
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(refused.headers['retry-after']).toBeUndefined();
      const problem = JSON.parse(refused.body) as { code: string; errors: { pointer: string; code: string }[] };
      expect(problem.code).toBe('ERRAND_JOB_PAYLOAD_INVALID');
      expect(problem.errors).toEqual([expect.objectContaining({ pointer: '', code: 'not_json' })]);
      expect(refused.body).not.toMatch(/\n\s+at |"stack"|Redis/);
      }

      const accepted = await sendRaw(app.port, rawRequest('POST', '/webhooks', json, '{"event":"paid","order":"o-1"}'));
      expect(accepted.status).toBe(202);
      expect(await jobState(app.port, accepted.headers.location ?? '')).toBe('succeeded');

      // A NUL in an id, a key or a task name (Postgres cannot store one: it was a 503 there) finds nothing.
      const bearer = { Authorization: 'Bearer enqueue-app-token' };
      const unknown = await sendRaw(app.port, rawRequest('GET', '/jobs/a%00b'));
      expect([unknown.status, unknown.code]).toEqual([404, 'ERRAND_JOB_NOT_FOUND']);
      const search = await sendRaw(app.port, rawRequest('GET', '/admin/api/search?q=a%00b', bearer));
      expect([search.status, search.body]).toEqual([200, '{"jobs":[],"keys":true}']);
      const list = await sendRaw(app.port, rawRequest('GET', '/admin/api/jobs?task=a%00b', bearer));
      expect([list.status, (JSON.parse(list.body) as { total: number }).total]).toEqual([200, 0]);
      for (const action of ['cancel', 'retry']) {
        const acted = await sendRaw(app.port, rawRequest('POST', `/admin/api/jobs/a%00b/${action}`, bearer, ''));
        expect([acted.status, acted.code]).toEqual([404, 'ERRAND_JOB_NOT_FOUND']);
      }
      const removed = await sendRaw(app.port, rawRequest('DELETE', '/admin/api/jobs/a%00b', bearer));
      expect([removed.status, removed.code]).toEqual([404, 'ERRAND_JOB_NOT_FOUND']);
    } finally {
      expect(await app.stop()).toBe(0);
    }
    expect(app.output.join('\n')).not.toMatch(/uncaught|unhandled/i);
  }, 60_000);
});

describe('an unstorable payload among others', () => {
  it('fails only its own enqueue in a batch of one turn, and the whole enqueueMany call, with ERRAND_JOB_PAYLOAD_INVALID', async () => {
    const { createMemoryBackend } = await import('../../src/backends/memory/index.js');
    const { createQueue, defineTask } = await import('../../src/jobs/index.js');
    const backend = createMemoryBackend();
    const queue = createQueue({ backend });
    const relay = defineTask('relay', { handler: (payload: unknown) => payload });
    // A BigInt: JSON cannot write one on any Node (a deep object is storable on Node 26).
    const deep = deepStorable ? { amount: 10n } : (JSON.parse(nested(10_000)) as unknown);
    const [good, bad] = await Promise.allSettled([queue.enqueue(relay, { ok: 1 }), queue.enqueue(relay, deep)]);
    expect(good.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'ERRAND_JOB_PAYLOAD_INVALID', status: 422 } });
    await expect(queue.enqueueMany([{ task: relay, payload: { ok: 2 } }, { task: relay, payload: deep }])).rejects.toMatchObject({ code: 'ERRAND_JOB_PAYLOAD_INVALID' });
    expect((await backend.stats()).counts.queued).toBe(1);
    await backend.close();
  });
});
