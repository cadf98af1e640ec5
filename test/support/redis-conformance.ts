import type { JobBackend } from '../../src/jobs/backend.js';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import type { ConformanceOptions } from '../../src/testing/conformance.js';
import { deleteRedisPrefix, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';

/**
 * The conformance suite's factory for the Redis backend in one way of running BullMQ's scripts:
 * batched in one call (`batchScripts: true`, opt-in) or one call per job (the default). Each way has
 * its test file (src/backends/redis/redis-backend*.test.ts), so vitest runs the two on two workers.
 */
export function redisConformanceOptions(batchScripts: boolean): ConformanceOptions {
  const prefixes = new WeakMap<JobBackend, string>();
  // The races of conformance-dedupe.ts (two connections at once) send 72 keyed enqueues at once,
  // six per key, which take turns under the key's lock: the last of a key waits for most of the
  // batch, a wait the backend bounds by commandTimeoutMs ('Redis did not answer enqueue within
  // 5000 ms'). Beside the rest of the suite at nice 19 (load 35 to 50) the batch outlasted the 5 s
  // default, which then measures the machine, not Redis. A minute stays a deadline against a hang;
  // the backend's own bound is tested where it is the subject (bounded-call, redis-down).
  const commandTimeoutMs = 60_000;
  return {
    create: ({ retention }) => {
      const prefix = uniqueRedisPrefix('conformance');
      const backend = createRedisBackend({ url: testRedisUrl, prefix, batchScripts, commandTimeoutMs, ...(retention === undefined ? {} : { retention }) });
      prefixes.set(backend, prefix);
      return Promise.resolve(backend);
    },
    cleanup: async (backend) => {
      const prefix = prefixes.get(backend);
      if (prefix !== undefined) await deleteRedisPrefix(prefix);
    },
    createPeer: (backend) => Promise.resolve(createRedisBackend({ url: testRedisUrl, prefix: prefixes.get(backend) ?? '', batchScripts, commandTimeoutMs })),
  };
}
