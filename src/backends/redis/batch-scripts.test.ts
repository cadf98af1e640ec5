import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { claimKeys, completeKeys, loadBatchScripts } from './batch-scripts.js';

describe('batch scripts', () => {
  it('load from the installed BullMQ (else the backend silently drops to one call per job)', () => {
    // lazyConnect: defining commands does not touch the network.
    const client = new Redis({ lazyConnect: true });
    try {
      expect(loadBatchScripts(client)).toBeDefined();
      // A second backend on a shared client reuses the commands.
      expect(loadBatchScripts(client)).toBeDefined();
    } finally {
      client.disconnect();
    }
  });

  it('pass BullMQ key names in its scripts order', () => {
    const keys = Object.fromEntries(['', 'wait', 'active', 'prioritized', 'events', 'stalled', 'limiter', 'delayed', 'paused', 'meta', 'pc', 'marker', 'completed'].map((name) => [name, `p:q:${name}`]));
    expect(claimKeys(keys)).toEqual(['p:q:wait', 'p:q:active', 'p:q:prioritized', 'p:q:events', 'p:q:stalled', 'p:q:limiter', 'p:q:delayed', 'p:q:paused', 'p:q:meta', 'p:q:pc', 'p:q:marker']);
    const complete = completeKeys(keys);
    expect(complete).toHaveLength(14);
    expect(complete[10]).toBe('p:q:completed');
    expect(complete[12]).toBe('p:q:metrics:completed');
    expect(complete[13]).toBe('p:q:marker');
  });
});
