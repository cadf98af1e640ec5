import type { Redis } from 'ioredis';

/**
 * The cancel flags (`<prefix>:<queue>:errand:cancel-requested`, a set of job ids). A cancel sets the
 * flag before it reads the job's state (manage-jobs.ts), and from then on every path ends the job
 * cancelled: its worker's heartbeat, its release (release-job.ts), and a claim that takes it
 * ({@link flaggedAmong}: a job released, failed for a retry or lapsed after its cancel never starts
 * again). Every end of a job drops its flag: cancelled, removed or retried by hand
 * ({@link dropCancelFlags}), succeeded or dead (in the series script that follows, redis-series.ts);
 * and a cancel that finds the job finished drops its own: no flag outlives its job.
 */

/** KEYS: cancel flags. ARGV: job ids. The flagged ones among them (none when the set is empty, the usual case). */
const flaggedOf = `
local out = {}
if redis.call('SCARD', KEYS[1]) == 0 then return out end
for i = 1, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 1 then out[#out + 1] = ARGV[i] end
end
return out`;

/** The ids among `ids` flagged for cancellation, in one command. */
export async function flaggedAmong(client: Redis, cancelKey: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set((await client.eval(flaggedOf, 1, cancelKey, ...ids)) as string[]);
}

/** Drops the flags of jobs that ended (a no-op for those without one). */
export async function dropCancelFlags(client: Redis, cancelKey: string, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await client.srem(cancelKey, ...ids);
}
