import type { Redis } from 'ioredis';
import type { JobRecord } from '../../jobs/job.js';
import type { RedisNames } from './redis-names.js';

/** KEYS: cancelled-data hash, cancelled zset. ARGV: id, record text. 1 when deleted. */
const deleteIfSame = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/**
 * BullMQ has no cancelled state: a cancelled job is removed from its BullMQ queue (which also frees
 * its deduplication key) and its last record is kept here until retention prunes it or a retry puts
 * it back on the queue under the same id.
 */
export class CancelledJobs {
  constructor(
    private readonly client: Redis,
    private readonly names: RedisNames,
  ) {}

  /** Saves the record of a cancelled job; answers the stored text, for {@link deleteIfUnchanged}. */
  async save(record: JobRecord): Promise<string> {
    const raw = JSON.stringify(record);
    await this.client
      .multi()
      .hset(this.names.cancelledDataKey, record.id, raw)
      .zadd(this.names.cancelledKey, record.finishedAt ?? record.updatedAt, record.id)
      .exec();
    return raw;
  }

  /** Deletes the record of `id` if it is still `raw` (as {@link save} answered it): not one another cancel wrote since. */
  async deleteIfUnchanged(id: string, raw: string): Promise<boolean> {
    return Number(await this.client.eval(deleteIfSame, 2, this.names.cancelledDataKey, this.names.cancelledKey, id, raw)) === 1;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const raw = await this.client.hget(this.names.cancelledDataKey, id);
    return raw === null ? undefined : (JSON.parse(raw) as JobRecord);
  }

  async delete(id: string): Promise<boolean> {
    const results = await this.client.multi().zrem(this.names.cancelledKey, id).hdel(this.names.cancelledDataKey, id).exec();
    return results?.[0]?.[1] === 1;
  }

  async count(): Promise<number> {
    return this.client.zcard(this.names.cancelledKey);
  }

  /** All cancelled records, newest first (the dashboard filters by task in memory). */
  async all(): Promise<JobRecord[]> {
    const ids = await this.client.zrevrange(this.names.cancelledKey, 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.client.hmget(this.names.cancelledDataKey, ...ids);
    return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as JobRecord);
  }

  /** Deletes records cancelled before `cutoff`; returns how many. */
  async prune(cutoff: number): Promise<number> {
    const ids = await this.client.zrangebyscore(this.names.cancelledKey, '-inf', `(${cutoff}`);
    if (ids.length === 0) return 0;
    await this.client
      .multi()
      .zrem(this.names.cancelledKey, ...ids)
      .hdel(this.names.cancelledDataKey, ...ids)
      .exec();
    return ids.length;
  }
}
