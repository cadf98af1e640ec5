import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { JobBackend } from './backend.js';
import { resolveWorkerOptions } from './worker-options.js';
import { consoleWorkerLogger } from './worker-logger.js';

// The options are checked before any backend is touched: an object that is not a backend will do.
const backend = {} as JobBackend;
const resolve = (options: object): ReturnType<typeof resolveWorkerOptions> => resolveWorkerOptions({ backend, tasks: [], ...options });

describe('createWorker options', () => {
  it('fills in the documented defaults', () => {
    const settings = resolve({});
    expect(settings).toMatchObject({ concurrency: 10, batchSize: 10, leaseMs: 30_000, heartbeatMs: 10_000, pollMs: 1000, livenessIntervalMs: 500, livenessTtlMs: 3_000 });
    expect(settings.logger).toBe(consoleWorkerLogger);
    expect(settings.id).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{8}$`));
    expect(resolve({}).id).not.toBe(settings.id);
  });

  it('derives batchSize from concurrency and heartbeatMs from leaseMs (a third, whole ms, at least 1)', () => {
    expect(resolve({ concurrency: 3 })).toMatchObject({ concurrency: 3, batchSize: 3 });
    expect(resolve({ leaseMs: 1_000 }).heartbeatMs).toBe(333);
    expect(resolve({ leaseMs: 2 }).heartbeatMs).toBe(1);
  });

  it('keeps what is given', () => {
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    expect(resolve({ concurrency: 2, batchSize: 5, leaseMs: 600, heartbeatMs: 599, pollMs: 7, livenessIntervalMs: 10, livenessTtlMs: 11, logger, workerId: 'w1' })).toEqual({
      id: 'w1',
      concurrency: 2,
      batchSize: 5,
      leaseMs: 600,
      heartbeatMs: 599,
      pollMs: 7,
      logger,
      livenessIntervalMs: 10,
      livenessTtlMs: 11,
    });
  });

  it('refuses a number that is not above 0, naming the option and the value', () => {
    for (const name of ['concurrency', 'batchSize', 'leaseMs', 'heartbeatMs', 'pollMs', 'livenessIntervalMs', 'livenessTtlMs']) {
      expect(() => resolve({ [name]: 0 })).toThrow(new RangeError(`createWorker: ${name} must be > 0, got 0`));
      expect(() => resolve({ [name]: Number.NaN })).toThrow(new RangeError(`createWorker: ${name} must be > 0, got NaN`));
    }
  });

  it('refuses a heartbeat that is not below the lease, and a liveness beat that is not below its TTL', () => {
    expect(() => resolve({ leaseMs: 1_000, heartbeatMs: 1_000 })).toThrow(new RangeError('createWorker: heartbeatMs (1000) must be below leaseMs (1000) or leases lapse between heartbeats'));
    expect(() => resolve({ livenessIntervalMs: 3_000 })).toThrow(new RangeError('createWorker: livenessIntervalMs (3000) must be below livenessTtlMs (3000) or the record lapses between beats'));
  });

  it('turns the liveness beat off with liveness: false, whatever its interval', () => {
    expect(resolve({ liveness: false, livenessIntervalMs: 0 })).toMatchObject({ livenessIntervalMs: 0, livenessTtlMs: 3_000 });
    expect(resolve({ liveness: true }).livenessIntervalMs).toBe(500);
  });
});
