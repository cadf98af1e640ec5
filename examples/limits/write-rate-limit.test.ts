import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { errand, type ErrandEnv } from 'errand/hono';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { addressKey, createWriteRateLimit } from './write-rate-limit.js';

function limitedApp(limit: number, clock: { now: number }, client: { key: string }): Hono<ErrandEnv> {
  const app = new Hono<ErrandEnv>();
  errand(app, { logger: memoryLogger().logger });
  app.use('/write', createWriteRateLimit({ limit, windowMs: 10_000, now: () => clock.now, key: () => client.key }));
  app.post('/write', (c) => c.json({ ok: true }));
  return app;
}

describe('createWriteRateLimit', () => {
  it('lets `limit` requests of a client through per window, then answers 429 SERVICE_RATE_LIMITED with the seconds left as Retry-After', async () => {
    const clock = { now: 1_000_000 };
    const client = { key: 'a' };
    const app = limitedApp(2, clock, client);
    expect((await app.request('/write', { method: 'POST' })).status).toBe(200);
    clock.now += 2_500;
    expect((await app.request('/write', { method: 'POST' })).status).toBe(200);
    const refused = await app.request('/write', { method: 'POST' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('8');
    expect(await refused.json()).toMatchObject({ status: 429, code: 'SERVICE_RATE_LIMITED' });
    // Another client has its own count.
    client.key = 'b';
    expect((await app.request('/write', { method: 'POST' })).status).toBe(200);
    // The next window starts afresh.
    client.key = 'a';
    clock.now = 1_000_000 + 10_000;
    expect((await app.request('/write', { method: 'POST' })).status).toBe(200);
  });

  it('with the default key, counts requests made in-process (no socket) as one client instead of failing them with a 500', async () => {
    const app = new Hono<ErrandEnv>();
    errand(app, { logger: memoryLogger().logger });
    app.use('/write', createWriteRateLimit({ limit: 2, windowMs: 10_000, now: () => 0 }));
    app.post('/write', (c) => c.json({ ok: true }));
    const statuses = [];
    for (let index = 0; index < 3; index++) statuses.push((await app.request('/write', { method: 'POST' })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('with limit 0 lets everything through', async () => {
    const app = limitedApp(0, { now: 0 }, { key: 'a' });
    for (let index = 0; index < 5; index++) expect((await app.request('/write', { method: 'POST' })).status).toBe(200);
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses and counts an IPv6 host by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('::ffff:203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
