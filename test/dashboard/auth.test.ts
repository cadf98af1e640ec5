import { serve, type ServerType } from '@hono/node-server';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createDashboard } from '../../src/dashboard/create-dashboard.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { createProblemApp } from './problem-app.js';

const token = 'test-token-0123456789abcdef';
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function productionApp(backend: JobBackend) {
  const app = createProblemApp();
  app.route('/dashboard', createDashboard({ backend, mode: 'production', auth: { token, basic: { username: 'ops', password: 'hunter2' } } }));
  return app;
}

async function seedDeadJob(backend: JobBackend): Promise<string> {
  const now = Date.now();
  await backend.enqueue([{ id: 'job-1', task: 'send-mail', payload: { to: 'a@example.com' }, runAt: now, priority: 0, maxAttempts: 1, createdAt: now }]);
  const [claimed] = await backend.claim({ workerId: 'w', tasks: ['send-mail'], limit: 1, leaseMs: 10_000, waitMs: 0 });
  await backend.fail(claimed, { error: { type: 'about:blank', title: 'SMTP down', status: 500, stack: 'Error: SMTP down\n    at secret (/srv/app.js:1:1)' }, retryAt: null });
  return 'job-1';
}

/** Reads the CSRF token the page embeds, and the cookie that goes with it. */
async function openPage(app: ReturnType<typeof productionApp>, authorization: string): Promise<{ csrf: string; cookie: string }> {
  const page = await app.request('/dashboard', { headers: { authorization } });
  expect(page.status).toBe(200);
  const html = await page.text();
  const csrf = /name="errand-csrf" content="([^"]+)"/.exec(html)![1];
  const cookie = page.headers.get('set-cookie')!.split(';')[0];
  return { csrf, cookie };
}

describe('dashboard access outside dev mode', () => {
  let backend: JobBackend;
  beforeAll(async () => {
    backend = createMemoryBackend();
    await seedDeadJob(backend);
  });
  afterAll(async () => backend.close());

  it('refuses the page, its assets and the API without credentials, with a 401 problem and a challenge', async () => {
    const app = productionApp(backend);
    for (const path of ['/dashboard', '/dashboard/assets/dashboard.js', '/dashboard/api/stats', '/dashboard/api/jobs', '/dashboard/api/jobs/job-1']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toMatch(/Basic realm="errand dashboard"/);
      expect(((await response.json()) as { code: string }).code).toBe('ERRAND_UNAUTHORIZED');
    }
    const action = await app.request('/dashboard/api/jobs/job-1/retry', { method: 'POST' });
    expect(action.status).toBe(401);
    expect((await backend.get('job-1'))!.state).toBe('dead');
  });

  it('treats an empty token as none and refuses empty basic credentials', async () => {
    const app = createProblemApp();
    app.route('/dashboard', createDashboard({ backend, auth: { token: '' } }));
    expect((await app.request('/dashboard/api/stats', { headers: { authorization: 'Bearer ' } })).status).toBe(401);
    expect((await app.request('/dashboard/api/stats', { headers: { authorization: basic('x', '') } })).status).toBe(401);
    expect(() => createDashboard({ backend, auth: { basic: { username: 'ops', password: '' } } })).toThrow(RangeError);
  });

  it('refuses wrong credentials', async () => {
    const app = productionApp(backend);
    for (const authorization of [`Bearer ${token}x`, 'Bearer ', basic('ops', 'hunter3'), basic('root', 'hunter2'), 'Basic !!!', 'Digest abc']) {
      expect((await app.request('/dashboard/api/stats', { headers: { authorization } })).status, authorization).toBe(401);
    }
  });

  it('accepts a bearer token, basic auth, and the token as a basic password', async () => {
    const app = productionApp(backend);
    for (const authorization of [`Bearer ${token}`, basic('ops', 'hunter2'), basic('anyone', token)]) {
      const response = await app.request('/dashboard/api/stats', { headers: { authorization } });
      expect(response.status, authorization).toBe(200);
      expect(((await response.json()) as { counts: { dead: number } }).counts.dead).toBe(1);
    }
    const page = await app.request('/dashboard', { headers: { authorization: basic('ops', 'hunter2') } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('errand dashboard');
  });

  it('hides the stack of a job error outside debug mode', async () => {
    const app = productionApp(backend);
    const response = await app.request('/dashboard/api/jobs/job-1', { headers: { authorization: `Bearer ${token}` } });
    const job = (await response.json()) as { error: Record<string, unknown> };
    expect(job.error.title).toBe('SMTP down');
    expect(job.error).not.toHaveProperty('stack');
  });

  it('rejects an action from a browser session without the CSRF token, and from another origin', async () => {
    const app = productionApp(backend);
    const authorization = basic('ops', 'hunter2');
    const { csrf, cookie } = await openPage(app, authorization);
    const retry = (headers: Record<string, string>) => app.request('/dashboard/api/jobs/job-1/retry', { method: 'POST', headers: { authorization, ...headers } });

    const missing = await retry({ cookie });
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { code: string }).code).toBe('ERRAND_CSRF');
    expect((await retry({ cookie, 'x-errand-csrf': 'A'.repeat(43) })).status).toBe(403);
    expect((await retry({ 'x-errand-csrf': csrf })).status).toBe(403);
    expect((await retry({ cookie, 'x-errand-csrf': csrf, origin: 'https://evil.example' })).status).toBe(403);
    expect((await retry({ cookie, 'x-errand-csrf': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await backend.get('job-1'))!.state).toBe('dead');

    const ok = await retry({ cookie, 'x-errand-csrf': csrf, origin: 'http://localhost' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { state: string }).state).toBe('queued');
  });

  it('lets a bearer-token client act without a CSRF token (the header is never ambient)', async () => {
    const app = productionApp(backend);
    const response = await app.request('/dashboard/api/jobs/job-1/cancel', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { state: string }).state).toBe('cancelled');
  });
});

describe('dashboard access in dev mode', () => {
  let server: ServerType;
  let port = 0;
  let backend: JobBackend;
  beforeAll(async () => {
    backend = createMemoryBackend();
    const app = createProblemApp();
    app.route('/dashboard', createDashboard({ backend, mode: 'dev' }));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        port = info.port;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await backend.close();
  });

  it('is open without credentials to a loopback socket', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/dashboard/api/stats`);
    expect(response.status).toBe(200);
  });

  it('still requires credentials when the Host header is not loopback (DNS rebinding)', async () => {
    // fetch() will not send a custom Host header; a rebinding browser would, so use node:http.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/dashboard/api/stats', headers: { host: 'attacker.example' } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(401);
  });

  it('still requires credentials without a socket to vouch for the peer', async () => {
    const app = createProblemApp();
    app.route('/dashboard', createDashboard({ backend, mode: 'dev' }));
    const response = await app.request('/dashboard/api/stats', { headers: { host: 'localhost' } });
    expect(response.status).toBe(401);
  });

  it('still requires the CSRF token for actions from localhost', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/dashboard/api/jobs/retry-dead`, { method: 'POST' });
    expect(response.status).toBe(403);
  });
});
