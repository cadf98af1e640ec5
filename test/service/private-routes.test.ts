/**
 * The reference service in production mode (a real child process, real sockets): private data
 * (mail, users) and /metrics need the dashboard's token, the mailbox answers one bounded page at a
 * time, and POST /register takes its body through errand's validation and body limit.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from './raw-http.js';
import { serviceForTests } from './service-for-tests.js';

const token = 'production-token';
const service = serviceForTests('private', { fromSource: true, env: { NODE_ENV: 'production', ERRAND_DASHBOARD_TOKEN: token } });

const get = (path: string, authorized = false): Promise<Response> => fetch(`${service.url}${path}`, authorized ? { headers: { authorization: `Bearer ${token}` } } : {});
const register = (body: string | Uint8Array<ArrayBuffer>): Promise<Response> =>
  fetch(`${service.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('private routes and /register of the service in production mode', () => {
  it('asks for the token before showing mail, users or metrics', async () => {
    for (const path of ['/dev/mailbox', '/users', '/metrics']) {
      const anonymous = await get(path);
      expect(anonymous.status, path).toBe(401);
      expect(await anonymous.json()).toMatchObject({ status: 401, code: 'ERRAND_UNAUTHORIZED' });
      const wrong = await fetch(`${service.url}${path}`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status, path).toBe(401);
      await wrong.arrayBuffer();
      const allowed = await get(path, true);
      expect(allowed.status, path).toBe(200);
      await allowed.arrayBuffer();
    }
  });

  it('pages the mailbox: newest first, a bounded default, Link to the next page', async () => {
    const sent = 7;
    for (let index = 0; index < sent; index += 1) {
      expect((await register(JSON.stringify({ email: `page${index}@example.com` }))).status).toBe(200);
    }
    expect(await eventually(async () => ((await (await get('/dev/mailbox?limit=500', true)).json()) as unknown[]).length === sent)).toBe(true);
    const first = await get('/dev/mailbox?limit=3', true);
    const firstPage = (await first.json()) as { to: string[] }[];
    expect(firstPage).toHaveLength(3);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const secondPage = (await (await get(next!, true)).json()) as { to: string[] }[];
    expect(secondPage).toHaveLength(3);
    const seen = new Set([...firstPage, ...secondPage].map((mail) => mail.to[0]));
    expect(seen.size).toBe(6);
    expect((await get('/dev/mailbox?limit=100000', true)).status).toBe(422);
  });

  it('answers malformed JSON on /register with 400 ERRAND_MALFORMED_JSON, as /users does', async () => {
    const response = await register('{"email": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_JSON' });
  });

  it('refuses a 10 MB deeply nested body on /register with 413 at once, and /healthz stays quick', async () => {
    const depth = 5_000_000;
    const body = new Uint8Array(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`));
    const [response, health] = await Promise.all([register(body), get('/healthz')]);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'ERRAND_PAYLOAD_TOO_LARGE' });
    expect(health.status).toBe(200);
  });
});
