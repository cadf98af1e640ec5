import { describe, expect, it } from 'vitest';
import { isErrandError } from './errors/errand-error.js';
import { requirePeers } from './require-peers.js';

const resolve = (specifier: string): string => import.meta.resolve(specifier);

describe('requirePeers', () => {
  it('passes when every peer resolves', () => {
    expect(() => requirePeers('errand/hono', ['hono', 'vitest'], resolve)).not.toThrow();
  });

  it('throws one line naming what to install when peers are missing', () => {
    let thrown: unknown;
    try {
      requirePeers('errand/backends/redis', ['vitest', 'errand-no-such-peer-a', 'errand-no-such-peer-b'], resolve);
    } catch (error) {
      thrown = error;
    }
    expect(isErrandError(thrown, 'ERRAND_PEER_MISSING')).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toBe('errand/backends/redis needs errand-no-such-peer-a and errand-no-such-peer-b, which are not installed: npm i errand-no-such-peer-a errand-no-such-peer-b');
    expect(message).not.toContain('\n');
  });
});
