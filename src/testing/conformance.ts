/**
 * The one behaviour suite every job backend must pass (memory, sqlite, redis).
 *
 * Usage, from a backend's own test file:
 *
 * ```ts
 * import { describeBackendConformance } from '../../testing/conformance.js';
 *
 * describeBackendConformance('sqlite', {
 *   // A fresh, empty backend per call: a unique file, queue name or key prefix.
 *   create: async ({ retention }) => createSqliteBackend({ path: join(dir, `${randomUUID()}.db`), retention }),
 *   // Optional: runs after the suite closed the backend (delete the file, the keys).
 *   cleanup: async (backend) => { … },
 * });
 * ```
 *
 * It registers vitest tests (call it at the top level of a test file). Each test makes its own
 * backend(s) and closes them. Times are real (Redis cannot fake them): leases of 150 ms, delays of
 * 300 ms, with generous margins; the whole suite takes a few seconds.
 */
import { describe } from 'vitest';
import type { ConformanceOptions } from './conformance-helpers.js';
import { describeFairness } from './conformance-fairness.js';
import { describeFairReturns } from './conformance-fair-returns.js';
import { describeDedupe } from './conformance-dedupe.js';
import { describeLeases } from './conformance-leases.js';
import { describeLiveness } from './conformance-liveness.js';
import { describeRateLimits } from './conformance-rate-limits.js';
import { describeSchedules } from './conformance-schedules.js';
import { describeSeries } from './conformance-series.js';
import { describeStorage } from './conformance-storage.js';
import { describeWorker } from './conformance-worker.js';

export type { BackendFactoryOptions, ConformanceOptions } from './conformance-helpers.js';

/**
 * Registers the backend conformance suite under `describe(\`${name} backend conformance\`)`.
 *
 * @example
 * describeBackendConformance('memory', { create: async ({ retention }) => createMemoryBackend({ retention }) })
 */
export function describeBackendConformance(name: string, options: ConformanceOptions): void {
  describe(`${name} backend conformance`, () => {
    describeStorage(options);
    describeDedupe(options);
    describeLeases(options);
    describeWorker(options);
    describeLiveness(options);
    describeSchedules(options);
    describeRateLimits(options);
    describeFairness(options);
    describeFairReturns(options);
    describeSeries(options);
  });
}
