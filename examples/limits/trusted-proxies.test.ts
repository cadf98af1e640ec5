import { describe, expect, it } from 'vitest';
import { forwardedClient, trustedProxies } from './trusted-proxies.js';

describe('forwardedClient', () => {
  const trusted = trustedProxies('127.0.0.1, 10.0.0.0/8, fd00::/8');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(forwardedClient('203.0.113.7', '198.51.100.1', trusted)).toBe('203.0.113.7');
    expect(forwardedClient('203.0.113.7', '10.0.0.1', trusted)).toBe('203.0.113.7');
    expect(forwardedClient('127.0.0.1', '198.51.100.1', trustedProxies(''))).toBe('127.0.0.1');
  });

  it('takes the first untrusted hop from the right, so what a client wrote left of the proxies is never reached', () => {
    expect(forwardedClient('127.0.0.1', '198.51.100.1', trusted)).toBe('198.51.100.1');
    // The client sent "X-Forwarded-For: 192.0.2.66"; the proxies appended what they saw.
    expect(forwardedClient('10.0.0.2', '192.0.2.66, 203.0.113.5, 10.0.0.9', trusted)).toBe('203.0.113.5');
    expect(forwardedClient('::ffff:127.0.0.1', '2001:db8::5', trusted)).toBe('2001:db8::5');
  });

  it('stops at the trusted proxy that forwarded a malformed hop, and at the last hop when every one is trusted', () => {
    expect(forwardedClient('127.0.0.1', 'not-an-ip', trusted)).toBe('127.0.0.1');
    expect(forwardedClient('127.0.0.1', '203.0.113.5, garbage, 10.0.0.3', trusted)).toBe('10.0.0.3');
    expect(forwardedClient('127.0.0.1', '10.0.0.4, 10.0.0.3', trusted)).toBe('10.0.0.4');
    expect(forwardedClient('127.0.0.1', undefined, trusted)).toBe('127.0.0.1');
  });
});

describe('trustedProxies', () => {
  it('reads addresses and subnets of both families, and refuses anything else naming it', () => {
    const list = trustedProxies('192.0.2.1,10.0.0.0/8 , ::1, fd00::/8');
    expect(['192.0.2.1', '10.200.0.1'].map((address) => list.check(address, 'ipv4'))).toEqual([true, true]);
    expect(['::1', 'fd12::1', '2001:db8::1'].map((address) => list.check(address, 'ipv6'))).toEqual([true, true, false]);
    expect(list.check('192.0.2.2', 'ipv4')).toBe(false);
    for (const bad of ['localhost', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/8/8', '::1/129']) expect(() => trustedProxies(bad), bad).toThrow(/TRUST_PROXY/);
  });
});
