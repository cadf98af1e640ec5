/**
 * The write limit keys each client by address. Behind a reverse proxy the socket's peer is the proxy,
 * so TRUST_PROXY lists the proxies whose X-Forwarded-For names the client. Attacked from outside, over
 * real sockets, against the service in production mode: a client that is not a listed proxy cannot
 * get a fresh limit by writing the header itself, and behind a listed proxy a client cannot spoof
 * another address by writing it left of what the proxy appends.
 */
import { describe, expect, it } from 'vitest';
import { serviceForTests } from '../service/service-for-tests.js';

async function register(base: string, index: number, forwardedFor: string): Promise<number> {
  const response = await fetch(`${base}/register?email=u${index}@example.com`, { method: 'POST', headers: { 'x-forwarded-for': forwardedFor } });
  await response.arrayBuffer();
  return response.status;
}

describe('TRUST_PROXY lists proxies the test client is not', () => {
  const service = serviceForTests('trust-other', { fromSource: true, env: { NODE_ENV: 'production', WRITE_RATE_LIMIT: '2', WRITE_RATE_WINDOW_SECONDS: '3600', TRUST_PROXY: '10.0.0.0/8, ::2' } });

  it('ignores a spoofed X-Forwarded-For: ten requests claiming ten addresses count as one client', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 10; index++) statuses.push(await register(service.url, index, `198.51.100.${index + 1}`));
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429, 429, 429, 429]);
  });
});

describe('TRUST_PROXY lists the test client as a proxy', () => {
  const service = serviceForTests('trust-loopback', { fromSource: true, env: { NODE_ENV: 'production', WRITE_RATE_LIMIT: '2', WRITE_RATE_WINDOW_SECONDS: '3600', TRUST_PROXY: '127.0.0.1, ::1' } });

  it('counts each client the proxy names on its own, and by what the proxy appended, not what the client wrote', async () => {
    // Two clients behind the proxy, each with its own limit.
    expect([await register(service.url, 1, '203.0.113.5'), await register(service.url, 2, '203.0.113.5'), await register(service.url, 3, '203.0.113.5')]).toEqual([200, 200, 429]);
    expect(await register(service.url, 4, '203.0.113.6')).toBe(200);
    // 203.0.113.5 writes "X-Forwarded-For: 192.0.2.99" itself; the proxy appends the address it saw.
    expect(await register(service.url, 5, '192.0.2.99, 203.0.113.5')).toBe(429);
    expect(await register(service.url, 6, '192.0.2.98, 192.0.2.97, 203.0.113.5')).toBe(429);
    // A header of garbage counts as the proxy itself, not as a fresh client per value.
    expect([await register(service.url, 7, 'nonsense'), await register(service.url, 8, 'other nonsense'), await register(service.url, 9, '???')]).toEqual([200, 200, 429]);
  });
});
