import type { Redis } from 'ioredis';
import { durationBoundsMs, foldMinutes, minuteOf, seriesRetentionMs, type JobSeries, type TaskMinute } from '../../jobs/job-series.js';

/** One ended attempt to add to the series. */
export interface EndedAttempt {
  /** Key of BullMQ's job hash (its `processedOn`, `timestamp`, `delay` give run and wait times). */
  jobKey: string;
  task: string;
  outcome: 'succeeded' | 'failed';
  /** For a failed attempt that will run again: when it is due, kept on the job for the next attempt's wait time. */
  retryAt?: number;
  /** The job's id when its attempt ended it (succeeded, dead): its cancel flag, if any, goes (cancel-flags.ts). */
  ended?: string;
}

/**
 * KEYS: cancel flags. ARGV: now, minute hash key, ttl ms, then per attempt: job key, task, outcome,
 * retryAt or '', id of the job it ended or ''. Adds each attempt to the minute's hash (fields
 * `<task>|succeeded`, `<task>|r<i>`…: cumulative histogram buckets, `<task>|run_ms`…), which expires
 * after the series' retention, and drops the cancel flags of the jobs that ended (a cancel that lost
 * to the end): no command of its own after each completion.
 */
const recordAttempts = `
local bounds = {${durationBoundsMs.join(', ')}}
local now = tonumber(ARGV[1])
local key = ARGV[2]
for i = 4, #ARGV, 5 do
  local f = redis.call('HMGET', ARGV[i], 'processedOn', 'timestamp', 'delay', 'errand:due')
  local started = tonumber(f[1]) or now
  local due = tonumber(f[4]) or ((tonumber(f[2]) or started) + (tonumber(f[3]) or 0))
  local run = math.max(0, now - started)
  local wait = math.max(0, started - due)
  local t = ARGV[i + 1] .. '|'
  redis.call('HINCRBY', key, t .. ARGV[i + 2], 1)
  redis.call('HINCRBY', key, t .. 'run_ms', run)
  redis.call('HINCRBY', key, t .. 'wait_ms', wait)
  for b = 1, #bounds do
    if run <= bounds[b] then redis.call('HINCRBY', key, t .. 'r' .. (b - 1), 1) end
    if wait <= bounds[b] then redis.call('HINCRBY', key, t .. 'w' .. (b - 1), 1) end
  end
  if ARGV[i + 3] ~= '' then redis.call('HSET', ARGV[i], 'errand:due', ARGV[i + 3]) end
  if ARGV[i + 4] ~= '' then redis.call('SREM', KEYS[1], ARGV[i + 4]) end
end
redis.call('PEXPIRE', key, ARGV[3])
return 1`;

/**
 * The Redis backend's series: one hash per minute (`<prefix>:<queue>:errand:series:<minute>`) and
 * one depth string per minute, both expiring after the retention, so Redis drops old minutes by
 * itself. BullMQ's completion is its own script, so the attempts are added by a second script right
 * after it (one round trip per batch): a process killed between the two loses those counts.
 */
export class RedisSeries {
  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
    /** The set of cancel flags (cancel-flags.ts), from which {@link record} drops those of ended jobs. */
    private readonly cancelKey: string,
  ) {}

  private minuteKey(minute: number): string {
    return `${this.keyPrefix}series:${minute}`;
  }

  async record(attempts: readonly EndedAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const now = Date.now();
    const args = attempts.flatMap((a) => [a.jobKey, a.task, a.outcome, a.retryAt === undefined ? '' : String(a.retryAt), a.ended ?? '']);
    await this.client.eval(recordAttempts, 1, this.cancelKey, String(now), this.minuteKey(minuteOf(now)), String(seriesRetentionMs), ...args);
  }

  /**
   * Stores this minute's sample unless it has one: `count` runs only when the minute's key is missing,
   * and the write is `SET NX`, so workers racing in one minute store one sample.
   */
  async recordDepth(count: () => Promise<{ queued: number; running: number }>): Promise<void> {
    const key = `${this.keyPrefix}depth:${minuteOf(Date.now())}`;
    if ((await this.client.exists(key)) > 0) return;
    const { queued, running } = await count();
    await this.client.set(key, `${queued}/${running}`, 'PX', seriesRetentionMs, 'NX');
  }

  async read(since: number, bucketMs = 60_000): Promise<JobSeries> {
    const now = Date.now();
    const first = Math.max(minuteOf(since + 59_999), minuteOf(now - seriesRetentionMs));
    const minutes: number[] = [];
    for (let minute = first; minute <= now; minute += 60_000) minutes.push(minute);
    if (minutes.length === 0) return { minutes: [], depth: [] };
    const pipeline = this.client.pipeline();
    for (const minute of minutes) pipeline.hgetall(this.minuteKey(minute));
    const hashes = ((await pipeline.exec()) ?? []).map(([, value]) => (value ?? {}) as Record<string, string>);
    const depths = await this.client.mget(minutes.map((minute) => `${this.keyPrefix}depth:${minute}`));
    const series: JobSeries = { minutes: [], depth: [] };
    minutes.forEach((at, index) => {
      const byTask = new Map<string, TaskMinute>();
      for (const [field, value] of Object.entries(hashes[index] ?? {})) {
        const bar = field.lastIndexOf('|');
        const task = field.slice(0, bar);
        const name = field.slice(bar + 1);
        let entry = byTask.get(task);
        if (entry === undefined) byTask.set(task, (entry = { at, task, succeeded: 0, failed: 0, run: durationBoundsMs.map(() => 0), runMs: 0, wait: durationBoundsMs.map(() => 0), waitMs: 0 }));
        const n = Number(value);
        if (name === 'succeeded' || name === 'failed') entry[name] = n;
        else if (name === 'run_ms') entry.runMs = n;
        else if (name === 'wait_ms') entry.waitMs = n;
        else if (name.startsWith('r')) entry.run[Number(name.slice(1))] = n;
        else if (name.startsWith('w')) entry.wait[Number(name.slice(1))] = n;
      }
      series.minutes.push(...[...byTask.values()].sort((a, b) => a.task.localeCompare(b.task)));
      const depth = depths[index];
      if (depth !== null && depth !== undefined) {
        const [queued, running] = depth.split('/').map(Number);
        series.depth.push({ at, queued, running });
      }
    });
    if (bucketMs !== 60_000) series.minutes = foldMinutes(series.minutes, bucketMs);
    return series;
  }
}
