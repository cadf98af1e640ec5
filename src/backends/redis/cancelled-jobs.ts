import type { Redis } from 'ioredis';
import type { JobRecord } from '../../jobs/job.js';
import type { RedisNames } from './redis-names.js';

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

  async save(record: JobRecord): Promise<void> {
    await this.client
      .multi()
      .hset(this.names.cancelledDataKey, record.id, JSON.stringify(record))
      .zadd(this.names.cancelledKey, record.finishedAt ?? record.updatedAt, record.id)
      .exec();
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
