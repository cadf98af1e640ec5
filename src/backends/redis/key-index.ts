import type { Redis } from 'ioredis';

/** How many job ids a key's list keeps: as many as `findByKey` answers. */
export const keyIndexLength = 50;

/**
 * errand's index of dedupe keys on Redis (BullMQ keeps a key only while its job is unfinished, as
 * its deduplication id): one LIST per key, `<prefix>:<queue>:errand:key:<key>`, of the ids of the
 * jobs enqueued with it, newest first, cut to {@link keyIndexLength} and expiring `ttlMs` after the
 * last enqueue with that key (the longest retention), so its size follows the jobs kept, not every
 * job ever enqueued. Written right after BullMQ stored the job (a process killed between the two
 * leaves that job out of the index; it is still found by id); ids of pruned jobs are dropped when
 * a search meets them.
 */
export class KeyIndex {
  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
  ) {}

  private listKey(key: string): string {
    return `${this.keyPrefix}${key}`;
  }

  /** Records jobs just stored with a key, in enqueue order (the last one ends up first). */
  async add(jobs: readonly { id: string; key: string }[]): Promise<void> {
    if (jobs.length === 0) return;
    const multi = this.client.multi();
    for (const { id, key } of jobs) {
      const list = this.listKey(key);
      // A retried tombstone comes back under its id: one entry, moved to the front.
      multi.lrem(list, 0, id).lpush(list, id).ltrim(list, 0, keyIndexLength - 1).pexpire(list, this.ttlMs);
    }
    await multi.exec();
  }

  /** The ids recorded for `key`, newest first. */
  async ids(key: string): Promise<string[]> {
    return this.client.lrange(this.listKey(key), 0, keyIndexLength - 1);
  }

  /**
   * The jobs recorded for `key` that are still kept and still carry it, newest first, each read
   * with `read`; ids whose jobs are gone are forgotten on the way.
   */
  async jobs<Job extends { key?: string }>(key: string, read: (id: string) => Promise<Job | undefined>): Promise<Job[]> {
    const found: Job[] = [];
    const gone: string[] = [];
    for (const id of await this.ids(key)) {
      const job = await read(id);
      if (job === undefined) gone.push(id);
      else if (job.key === key) found.push(job);
    }
    await this.drop(key, gone);
    return found;
  }

  /** Forgets ids whose jobs are gone. */
  async drop(key: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const multi = this.client.multi();
    for (const id of ids) multi.lrem(this.listKey(key), 0, id);
    await multi.exec();
  }
}
