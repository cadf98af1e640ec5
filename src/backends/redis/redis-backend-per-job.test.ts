import { describe } from 'vitest';
import { redisConformanceOptions } from '../../../test/support/redis-conformance.js';
import { describeBackendConformance } from '../../testing/conformance.js';
import { redisAvailable } from '../../testing/redis.js';

// Decided once, before any test registers: skip loudly, or fail under ERRAND_REQUIRE_REDIS=1.
const redisUp = await redisAvailable();

// BullMQ's scripts one call per job (the default); redis-backend.test.ts runs them batched. Two
// files, so that vitest runs the two halves of the slowest suite on two workers at once.
describe.skipIf(!redisUp)('redis backend', () => {
  describeBackendConformance('redis, one BullMQ call per job', redisConformanceOptions(false));
});
