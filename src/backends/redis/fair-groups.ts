import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NewJob } from '../../jobs/job.js';
import { fairGroupId, pickFair, type FairCandidate } from '../../jobs/fair-order.js';

/**
 * How far a grouped job is pushed into BullMQ's delayed set while it waits for its group's turn:
 * ten years, added to its own delay so its due time is still read back exactly (see {@link heldRunAt}).
 * BullMQ never promotes it by itself; a fair claim does, with the public `Job.promote()`.
 */
export const heldDelayMs = 315_360_000_000;

/** The due time of a job added with {@link heldDelayMs} (a grouped job), or undefined for another job. */
export function heldRunAt(timestamp: number, delay: number | undefined): number | undefined {
  return delay !== undefined && delay >= heldDelayMs ? timestamp + delay - heldDelayMs : undefined;
}

/**
 * KEYS: groups, sequence. ARGV: own key prefix, BullMQ key prefix, then (group, sort prefix, id)
 * triples. Indexes held jobs: a member `<priority 7>:<due 15>:<seq 12>:<id>` sorts by priority, due
 * time, then insertion, exactly, as strings; a group new to the ring enters it with stamp 0 (never
 * served). Each job's group is also written in its BullMQ hash (`errand:group`), where a failed
 * attempt finds it to hold the retry for its group's turn.
 */
const index = `
for i = 3, #ARGV, 3 do
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', ARGV[1] .. 'idx:' .. ARGV[i], 0, ARGV[i + 1] .. ':' .. string.format('%012d', seq) .. ':' .. ARGV[i + 2])
  redis.call('ZADD', KEYS[1], 'NX', 0, ARGV[i])
  redis.call('HSET', ARGV[2] .. ARGV[i + 2], 'errand:group', ARGV[i])
end
return 0`;

/**
 * A Lua function for scripts that take a grouped job back from a worker that died (lua-scripts.ts,
 * takeBackLapsed): holds job `id` of group `g` again, due `due`, as {@link FairGroups.holdAgain} does
 * in three steps: indexed in its group (a member as {@link index} writes it), in BullMQ's delayed set
 * `held` ms past `due` (scored as BullMQ scores delayed jobs, due * 4096), and no longer counted among
 * its group's running jobs. `own` and `bull` are the key prefixes of {@link GroupedTask}.
 */
export const holdInGroupLua = `
local function holdInGroup(own, bull, g, id, due, held)
  local priority = tonumber(redis.call('HGET', bull .. id, 'priority')) or 0
  local seq = redis.call('INCR', own .. 'seq')
  redis.call('ZADD', own .. 'idx:' .. g, 0, string.format('%07d:%015d:%012d:', priority, due, seq) .. id)
  redis.call('ZADD', own .. 'groups', 'NX', 0, g)
  redis.call('ZADD', bull .. 'delayed', string.format('%.0f', (due + held) * 4096), id)
  redis.call('HSET', bull .. id, 'delay', string.format('%.0f', held))
  redis.call('SREM', own .. 'run:' .. g, id)
end`;

/** Where a member's fields are (1-based, inclusive, as Lua's string.sub counts). */
const idFrom = 38;

// Shared by both scripts: how many jobs of group `g` are live (dispatched and not finished): locked
// (running), in wait (promoted, not yet taken) or delayed (a retry's backoff; a held job is never
// in the running set). Ids that are none of these finished: they are dropped from the set.
const live = `
local function live(running, lockPrefix, waitKey, delayedKey)
  local count = 0
  for _, id in ipairs(redis.call('SMEMBERS', running)) do
    if redis.call('EXISTS', lockPrefix .. id .. ':lock') == 1 or redis.call('ZSCORE', delayedKey, id) or redis.call('LPOS', waitKey, id) then
      count = count + 1
    else
      redis.call('SREM', running, id)
    end
  end
  return count
end`;

/**
 * KEYS: groups (ZSET group → served stamp). ARGV: own key prefix, BullMQ key prefix of the queue,
 * limit, now, concurrency (-1: none). For each group with held jobs: its stamp, its room and up to
 * min(limit, room) members whose due time has passed (looking at most limit + 50 deep); a group whose
 * index is empty leaves the ring once none of its jobs is live. Returns a flat list: group, stamp, room, count, members…
 */
const gather = `${live}
local own, bull, limit, now, cap = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
local groups = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #groups, 2 do
  local g, stamp = groups[i], groups[i + 1]
  local index = own .. 'idx:' .. g
  if redis.call('EXISTS', index) == 0 then
    -- No held job: the group leaves the ring once its released jobs have ended (live() drops them,
    -- and the emptied set with them), not before: its running set would be left behind for good.
    if live(own .. 'run:' .. g, bull, bull .. 'wait', bull .. 'delayed') == 0 then redis.call('ZREM', KEYS[1], g) end
  else
    local room = limit
    if cap >= 0 then room = math.min(limit, cap - live(own .. 'run:' .. g, bull, bull .. 'wait', bull .. 'delayed')) end
    if room > 0 then
      local ready = {}
      for _, m in ipairs(redis.call('ZRANGE', index, '-', '+', 'BYLEX', 'LIMIT', 0, limit + 50)) do
        if tonumber(string.sub(m, 9, 23)) <= now then
          ready[#ready + 1] = m
          if #ready >= room then break end
        end
      end
      if #ready > 0 then
        out[#out + 1] = g
        out[#out + 1] = stamp
        out[#out + 1] = tostring(room)
        out[#out + 1] = tostring(#ready)
        for _, m in ipairs(ready) do out[#out + 1] = m end
      end
    end
  end
end
return out`;

/**
 * KEYS: groups. ARGV: own key prefix, BullMQ key prefix, concurrency (-1: none), now, held delay, n,
 * then n pairs (group, member), then (group, stamp) pairs. Takes each picked member still held (it
 * may have been taken by another claim, cancelled or removed since the gather) while its group has
 * room, marks it running in its group (under a cap), records its stalled count (`errand:turn`,
 * read by stalled-grouped.ts), and stamps the served groups. Returns the ids
 * taken. A member whose job is locked stays indexed: it is a failed attempt's retry, indexed just
 * before BullMQ holds it. A member whose job BullMQ holds past now was moved later since it was
 * indexed (a debounce, {@link FairGroups.delayHeld}): it is dropped, the member of the new time stays.
 */
const take = `${live}
local own, bull, cap, now, held, n = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local delayed = bull .. 'delayed'
local room = {}
local taken = {}
for i = 0, n - 1 do
  local g, m = ARGV[7 + 2 * i], ARGV[8 + 2 * i]
  local running = own .. 'run:' .. g
  if room[g] == nil then room[g] = cap < 0 and 1e9 or (cap - live(running, bull, bull .. 'wait', delayed)) end
  local id = string.sub(m, ${idFrom})
  local score = redis.call('ZSCORE', delayed, id)
  if score and math.floor(tonumber(score) / 4096) - held > now then
    redis.call('ZREM', own .. 'idx:' .. g, m)
  elseif room[g] > 0 and score then
    if redis.call('ZREM', own .. 'idx:' .. g, m) == 1 then
      -- Counted only under a cap: nothing reads an uncapped group's count, and nothing would empty it.
      if cap >= 0 then redis.call('SADD', running, id) end
      room[g] = room[g] - 1
      taken[#taken + 1] = id
      -- Its stalled count as of this turn: a later stall (BullMQ's checker moving it to wait) shows
      -- as a higher count, and the claim that takes it sends it back to its group (stalled-grouped.ts).
      redis.call('HSET', bull .. id, 'errand:turn', redis.call('HGET', bull .. id, 'stc') or '0')
    end
  elseif redis.call('EXISTS', bull .. id .. ':lock') == 0 then
    redis.call('ZREM', own .. 'idx:' .. g, m)
  end
end
for i = 7 + 2 * n, #ARGV, 2 do redis.call('ZADD', KEYS[1], 'XX', ARGV[i + 1], ARGV[i]) end
return taken`;

/** Where one task's groups live: errand's own keys, and the BullMQ queue holding its jobs. */
export interface GroupedTask {
  task: string;
  /** `<prefix>:<own key root of the task>:` for errand's group keys. */
  ownPrefix: string;
  /** `<prefix>:<bull queue>:`: BullMQ's keys of the task's queue (read only, by the scripts). */
  bullPrefix: string;
  queue: Queue;
}

/**
 * Fair queues on Redis (docs/jobs.md, "Fair queues"). BullMQ's open-source queue has no groups, so a
 * grouped job is added to BullMQ held (delayed by {@link heldDelayMs}) and indexed in errand's own
 * keys: per group a sorted index of its held jobs, per task a ring of groups scored by when each was
 * last served, and per group the set of its jobs released and not yet finished (its running count).
 * A claim of a grouped task first releases, in turns, the jobs it may take (two scripts: gather the
 * groups' first due jobs and their room, then `pickFair`, then take those still held while their
 * group has room) and promotes them with BullMQ's public `Job.promote()`; the claim then takes them
 * from the queue's wait list as for any task.
 */
export class FairGroups {
  constructor(private readonly client: Redis) {}

  /** Indexes newly added grouped jobs of one task (after BullMQ stored them held), or a job held again (before BullMQ holds it, {@link holdAgain}). */
  async hold(target: GroupedTask, jobs: readonly Pick<NewJob, 'id' | 'group' | 'priority' | 'runAt'>[]): Promise<void> {
    if (jobs.length === 0) return;
    const args = jobs.flatMap((job) => (job.group === undefined ? [] : [job.group, `${String(job.priority).padStart(7, '0')}:${String(job.runAt).padStart(15, '0')}`, job.id]));
    if (args.length > 0) await this.client.eval(index, 2, `${target.ownPrefix}groups`, `${target.ownPrefix}seq`, target.ownPrefix, target.bullPrefix, ...args);
  }

  /** The group a job of the task was stored with (its BullMQ hash says it), or undefined. */
  async groupOf(target: GroupedTask, id: string): Promise<string | undefined> {
    return (await this.client.hget(`${target.bullPrefix}${id}`, 'errand:group')) ?? undefined;
  }

  /**
   * Holds a job that leaves a worker's hands for its group's turn: a failed attempt's retry, or a job
   * released (its worker stopping, or its rate limit full), instead of letting BullMQ run it when it is
   * due (which would put it ahead of every group's turn). Indexed here due at `runAt`, then moved by
   * `move` into BullMQ's delayed set {@link heldDelayMs} past that (a retry: `moveToFailed`, whose
   * backoff adds it, `RetryAtError.holdMs`; a release: `moveToDelayed`), then no longer counted among
   * its group's running jobs. A process that dies in between leaves a job whose lease lapses as any
   * other (it is then held again in its group, lua-scripts.ts; the extra index member is dropped by a
   * claim that picks it while the job is neither held nor locked).
   */
  async holdAgain(target: GroupedTask, job: { id: string; group: string; priority: number; runAt: number }, move: () => Promise<void>): Promise<void> {
    await this.hold(target, [job]);
    await move();
    await this.client.srem(`${target.ownPrefix}run:${job.group}`, job.id);
  }

  /**
   * Moves a held job to a later due time (a debounce): indexed at the new time first, then held by
   * BullMQ {@link heldDelayMs} past it by `move` (reschedule-delayed.ts, which leaves a job that is no
   * longer delayed where it is). The member of its former time is dropped by the next claim that picks
   * it ({@link take}): that needs the job's score to say exactly the new time, never a ms later.
   */
  async delayHeld(target: GroupedTask, entry: { id: string; group: string; priority: number; runAt: number }, move: (heldUntil: number) => Promise<unknown>): Promise<void> {
    await this.hold(target, [entry]);
    await move(entry.runAt + heldDelayMs);
  }

  /** Releases up to `limit` held jobs of the task's groups, in turns, into BullMQ's wait list; answers how many. */
  async release(target: GroupedTask, limit: number, concurrency: number | undefined, now: number): Promise<number> {
    const cap = concurrency === undefined || concurrency === Infinity ? -1 : concurrency;
    const flat = (await this.client.eval(gather, 1, `${target.ownPrefix}groups`, target.ownPrefix, target.bullPrefix, limit, now, cap)) as string[];
    const candidates: (FairCandidate & { member: string })[] = [];
    const served = new Map<string, number>();
    let stamp = 1;
    for (let i = 0; i < flat.length; ) {
      const group = flat[i] ?? '';
      const score = Number(flat[i + 1]);
      const count = Number(flat[i + 3]);
      served.set(fairGroupId(target.task, group), score);
      stamp = Math.max(stamp, score + 1);
      for (const item of flat.slice(i + 4, i + 4 + count)) {
        candidates.push({ task: target.task, group, priority: Number(item.slice(0, 7)), runAt: Number(item.slice(8, 23)), seq: Number(item.slice(24, 36)), member: item });
      }
      i += 4 + count;
    }
    if (candidates.length === 0) return 0;
    // Never-served groups (stamp 0) go first, as on the other backends.
    const picked = pickFair(candidates, (id) => ({ served: served.get(id) === 0 ? undefined : served.get(id) }), limit, stamp);
    const args = [target.ownPrefix, target.bullPrefix, cap, now, heldDelayMs, picked.taken.length, ...picked.taken.flatMap((candidate) => [candidate.group, candidate.member]), ...picked.served.flatMap((group) => [group.group, group.stamp])];
    const ids = (await this.client.eval(take, 1, `${target.ownPrefix}groups`, ...args)) as string[];
    // A job cancelled or removed between the take and its promotion is simply not there to promote.
    await Promise.all(ids.map((id) => new Job(target.queue, target.task, {}, {}, id).promote().catch(() => undefined)));
    return ids.length;
  }
}
