import type { WorkerInfo } from '../../jobs/job-series.js';
import { queueKeyOf, type RedisContext } from './redis-context.js';

/**
 * Workers with a liveness record (`SCAN` of the record keys, their value the time of the last beat
 * and their `PTTL` when each lapses), and the jobs they hold: the active jobs whose lock token names
 * them (`<uuid>~<workerId>`).
 */
export async function listWorkers({ client, names, queues }: Pick<RedisContext, 'client' | 'names' | 'queues'>): Promise<WorkerInfo[]> {
  const prefix = names.livenessKeyPrefix;
  const now = Date.now();
  const byId = new Map<string, WorkerInfo>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
    cursor = next;
    for (const key of keys) {
      const [ttl, value] = await Promise.all([client.pttl(key), client.get(key)]);
      if (!(ttl > 0)) continue;
      const worker: WorkerInfo = { id: key.slice(prefix.length), aliveUntil: now + ttl, jobs: [] };
      // The beat's time; an older errand wrote '1'.
      const beatAt = Number(value);
      if (beatAt > 1) worker.lastBeatAt = beatAt;
      byId.set(worker.id, worker);
    }
  } while (cursor !== '0');
  if (byId.size === 0) return [];
  for (const task of await queues.allTasks()) {
    const active = await client.lrange(`${queueKeyOf(names, task)}active`, 0, -1);
    if (active.length === 0) continue;
    const locks = await client.mget(active.map((id) => names.lockKey(task, id)));
    active.forEach((id, index) => {
      const lock = locks[index];
      const at = lock?.indexOf('~') ?? -1;
      if (lock !== null && lock !== undefined && at >= 0) byId.get(lock.slice(at + 1))?.jobs.push(id);
    });
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
