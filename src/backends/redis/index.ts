/** Durable jobs on Redis through BullMQ (`errand/backends/redis`). Needs the optional peers bullmq and ioredis. */
export { createRedisBackend } from './redis-backend.js';
export type { RedisBackendOptions } from './redis-backend-options.js';
