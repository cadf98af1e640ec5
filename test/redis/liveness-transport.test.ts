/**
 * A worker's liveness record reaches Redis over every transport the backend's own connection uses:
 * a unix socket and TLS (`rediss://`), not only host and port. Before, the liveness thread had a
 * connection only for plain TCP, so over a socket or TLS a killed worker's job waited out its lease
 * (30 s by default) instead of `livenessTtlMs` (3 s). Each case runs a redis-server of its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../../src/backends/redis/index.js';
import { createWorker, defineTask } from '../../src/jobs/index.js';
import { freePort } from './private-redis.js';

const dir = mkdtempSync(join(tmpdir(), 'errand-redis-transport-'));
const servers: ChildProcess[] = [];

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const runnable = hasRedisServer() || process.env.ERRAND_REQUIRE_REDIS === '1';

async function startServer(args: string[], options: RedisOptions): Promise<void> {
  const child = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...args], { stdio: 'ignore' });
  servers.push(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const probe = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 1_000 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server ${args.join(' ')} did not start`);
      await sleep(50);
    } finally {
      probe.disconnect();
    }
  }
}

const transports: Record<string, RedisOptions> = {};

beforeAll(async () => {
  if (!runnable) return;
  const socket = join(dir, 'redis.sock');
  transports['unix socket'] = { path: socket };
  await startServer(['--port', '0', '--unixsocket', socket], transports['unix socket']);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const tlsPort = await freePort();
  transports.TLS = { host: '127.0.0.1', port: tlsPort, tls: { ca: readFileSync(join(dir, 'cert.pem'), 'utf8') } };
  await startServer(
    ['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no'],
    transports.TLS,
  );
}, 60_000);

afterAll(() => {
  for (const server of servers) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(runnable).each(['unix socket', 'TLS'])('Redis worker liveness over a %s', (transport) => {
  it('gives the liveness thread a connection, whose beats list the worker as alive', async () => {
    const connection = new Redis({ ...transports[transport], maxRetriesPerRequest: null });
    const backend = createRedisBackend({ connection, prefix: `transport-${process.pid}` });
    expect(backend.liveness?.()).toBeDefined();
    const nap = defineTask('nap', { handler: () => undefined });
    const worker = createWorker({ backend, tasks: [nap], livenessIntervalMs: 100, livenessTtlMs: 2_000 }).start();
    try {
      let alive = false;
      for (let waited = 0; !alive && waited < 30_000; waited += 100) {
        const workers = (await backend.workers?.()) ?? [];
        alive = workers.some((info) => info.id === worker.id && (info.lastBeatAt ?? 0) > Date.now() - 10_000);
        if (!alive) await sleep(100);
      }
      expect(alive).toBe(true);
    } finally {
      await worker.stop();
      await backend.close();
      connection.disconnect();
    }
  }, 60_000);
});
