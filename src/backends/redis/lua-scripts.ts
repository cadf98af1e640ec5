import type { Redis } from 'ioredis';
import { heldDelayMs, holdInGroupLua } from './fair-groups.js';

/**
 * The few atomic steps BullMQ has no call for. Each checks the fencing token (BullMQ's lock value)
 * and writes in one script, so a stale worker can never slip a write in between.
 */

/** KEYS: lock, job. ARGV: token, progress JSON. 1 when written, 0 when the token is stale. */
const setProgress = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'progress', ARGV[2])
return 1`;

/**
 * KEYS: lock, job. ARGV: token. Gives back the attempt a claim started (release does not count it)
 * before BullMQ moves the job back to wait. 1 when done, 0 when the token is stale.
 */
const uncountAttempt = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[2], 'ats', -1)
return 1`;

/**
 * KEYS: job. ARGV: lapsed leases seen now. 1 when that number is new (log it), else 0: a lapse is
 * logged once however many later claims still see it.
 */
const markLapsed = `
local seen = tonumber(redis.call('HGET', KEYS[1], 'errand:lapsed') or '0')
if tonumber(ARGV[1]) <= seen then return 0 end
redis.call('HSET', KEYS[1], 'errand:lapsed', ARGV[1], 'failedReason', ARGV[2])
return 1`;

/**
 * KEYS: active, wait, prioritized, marker, events, stalled, cancel-requested. ARGV: job key prefix,
 * liveness key prefix, the task's group key prefix, now, held delay.
 * Moves every active job whose lock lapsed back to wait (or prioritized), as BullMQ's stalled
 * checker does, but in one pass: BullMQ's moveToActive sets the lock in the same script that makes
 * a job active, so an active job without a lock can only be one whose worker stopped renewing it.
 * A lock naming a worker that keeps a liveness record (token `<uuid>~<workerId>`) whose record is
 * gone is deleted first: that worker's process is gone, its lease is not waited out.
 * A job of a fair-queue group that will run again goes back to its group instead, held for its
 * group's turn (fair-groups.ts), due now; one that will not (its cancellation was requested, or the
 * lapse used its last attempt) goes to wait, so the next claim settles it at once.
 * Returns the ids moved.
 */
const takeBackLapsed = `${holdInGroupLua}
local own, now, held = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local function runsAgain(jobKey, id)
  if redis.call('SISMEMBER', KEYS[7], id) == 1 then return false end
  local ok, opts = pcall(cjson.decode, redis.call('HGET', jobKey, 'opts') or '{}')
  local attempts = (ok and type(opts) == 'table' and tonumber(opts.attempts)) or 1
  return (tonumber(redis.call('HGET', jobKey, 'ats')) or 0) < attempts
end
local moved = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local lockKey = ARGV[1] .. id .. ':lock'
  local lock = redis.call('GET', lockKey)
  if lock then
    local at = string.find(lock, '~', 1, true)
    if at and redis.call('EXISTS', ARGV[2] .. string.sub(lock, at + 1)) == 0 then
      redis.call('DEL', lockKey)
      lock = false
    end
  end
  if string.sub(id, 1, 2) ~= '0:' and not lock then
    if redis.call('LREM', KEYS[1], 1, id) > 0 then
      local jobKey = ARGV[1] .. id
      redis.call('HINCRBY', jobKey, 'stc', 1)
      redis.call('SREM', KEYS[6], id)
      local group = redis.call('HGET', jobKey, 'errand:group')
      if group and runsAgain(jobKey, id) then
        holdInGroup(own, ARGV[1], group, id, now, held)
      else
        local priority = tonumber(redis.call('HGET', jobKey, 'priority')) or 0
        if priority > 0 then
          redis.call('ZADD', KEYS[3], priority * 0x100000000, id)
        else
          redis.call('RPUSH', KEYS[2], id)
        end
        redis.call('ZADD', KEYS[4], 0, '0')
      end
      redis.call('XADD', KEYS[5], '*', 'event', 'stalled', 'jobId', id)
      moved[#moved + 1] = id
    end
  end
end
return moved`;

/**
 * KEYS: delayed, wait, prioritized. ARGV: job key prefix, now, {@link heldDelayMs}. Returns {retrying,
 * due, oldest}: of the jobs in BullMQ's delayed set (first runs, retries and grouped jobs held for their
 * group's turn, fair-groups.ts), how many are not due yet and already failed an attempt, and how many are
 * due (ready, waiting for a claim to move them: `queued`, as get() says, dueTimeOf); and when the
 * oldest ready job became ready (its due time, as get() reports it: from its score in the delayed set,
 * else `errand:due`, else BullMQ's timestamp plus its first delay), or -1. Of the wait list only the
 * job at its taking end is read: jobs join it in the order they become ready.
 */
const taskStats = `
local now, held = tonumber(ARGV[2]), tonumber(ARGV[3])
local retrying, due, oldest = 0, 0, -1
local function consider(at)
  if at and (oldest == -1 or at < oldest) then oldest = at end
end
local delayed = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #delayed, 2 do
  local scoredAt = math.floor(tonumber(delayed[i + 1]) / 4096)
  local runAt = scoredAt
  if scoredAt - now > held / 2 then runAt = scoredAt - held end
  if runAt <= now then
    due = due + 1
    consider(runAt)
  else
    local made = redis.call('HGET', ARGV[1] .. delayed[i], 'atm')
    if made and tonumber(made) > 0 then retrying = retrying + 1 end
  end
end
local function readyAt(id)
  local f = redis.call('HMGET', ARGV[1] .. id, 'errand:due', 'timestamp', 'opts')
  if f[1] then return tonumber(f[1]) end
  local ts = tonumber(f[2])
  if not ts then return nil end
  local delay = 0
  if f[3] then
    local ok, opts = pcall(cjson.decode, f[3])
    if ok and type(opts) == 'table' and tonumber(opts.delay) then delay = tonumber(opts.delay) end
  end
  if delay >= held then delay = delay - held end
  return ts + delay
end
local tail = redis.call('LINDEX', KEYS[2], -1)
if tail then consider(readyAt(tail)) end
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do consider(readyAt(id)) end
return {retrying, due, oldest}`;

/**
 * KEYS: cancel-requested set. ARGV: lease ms, then per lease: lock key, stalled key, job id, token.
 * Per lease: 0 lost, 1 held (lock extended), 2 held but cancellation requested. Like BullMQ's
 * extendLocks, but answers per lease rather than per job id, so a stale and a fresh lease on the same
 * job get different answers.
 */
const renewLeases = `
local out = {}
for i = 2, #ARGV, 4 do
  local lockKey, stalledKey, id, token = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if redis.call('GET', lockKey) == token then
    redis.call('SET', lockKey, token, 'PX', ARGV[1])
    redis.call('SREM', stalledKey, id)
    out[#out + 1] = (redis.call('SISMEMBER', KEYS[1], id) == 1) and 2 or 1
  else
    out[#out + 1] = 0
  end
end
return out`;

function asNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Writes progress if `token` still holds the lock. */
export async function setProgressIfHeld(client: Redis, lockKey: string, jobKey: string, token: string, progress: string): Promise<boolean> {
  return asNumber(await client.eval(setProgress, 2, lockKey, jobKey, token, progress)) === 1;
}

/** Un-counts the current attempt if `token` still holds the lock. */
export async function uncountAttemptIfHeld(client: Redis, lockKey: string, jobKey: string, token: string): Promise<boolean> {
  return asNumber(await client.eval(uncountAttempt, 2, lockKey, jobKey, token)) === 1;
}

/** Whether `lapsed` leases of job `jobKey` were not logged yet (and marks them logged). */
export async function markLapsedLeases(client: Redis, jobKey: string, lapsed: number, problem: string): Promise<boolean> {
  return asNumber(await client.eval(markLapsed, 1, jobKey, String(lapsed), problem)) === 1;
}

/** One lease to renew: where its lock and BullMQ's stalled set are. */
export interface LeaseToRenew {
  lockKey: string;
  stalledKey: string;
  jobId: string;
  token: string;
}

/** Extends held leases by `leaseMs` in one script; answers 0 lost, 1 held, 2 cancel requested, per lease. */
export async function renewLeasesIfHeld(client: Redis, cancelKey: string, leases: readonly LeaseToRenew[], leaseMs: number): Promise<number[]> {
  const args = leases.flatMap((lease) => [lease.lockKey, lease.stalledKey, lease.jobId, lease.token]);
  const reply = (await client.eval(renewLeases, 1, cancelKey, String(Math.ceil(leaseMs)), ...args)) as unknown[];
  return reply.map(asNumber);
}

/** Where {@link takeBackLapsedJobs} looks and writes, besides the task's BullMQ queue. */
export interface TakeBackKeys {
  /** Prefix of the worker liveness records. */
  livenessKeyPrefix: string;
  /** The set of jobs whose cancellation was requested. */
  cancelRequestedKey: string;
  /** Prefix of the task's fair-queue group keys (`GroupedTask.ownPrefix`). */
  groupPrefix: string;
}

/**
 * Moves jobs whose lease lapsed, or whose worker's liveness record is gone, in the BullMQ queue with
 * keys starting `queueKey` back to wait; a grouped job that runs again back to its group, held.
 */
export async function takeBackLapsedJobs(client: Redis, queueKey: string, where: TakeBackKeys): Promise<string[]> {
  const keys = ['active', 'wait', 'prioritized', 'marker', 'events', 'stalled'].map((name) => `${queueKey}${name}`);
  keys.push(where.cancelRequestedKey);
  const args = [queueKey, where.livenessKeyPrefix, where.groupPrefix, String(Date.now()), String(heldDelayMs)];
  return (await client.eval(takeBackLapsed, keys.length, ...keys, ...args)) as string[];
}

/**
 * KEYS: a task's delayed set. ARGV: job id, due time. Moves the job's score back to its due time when
 * BullMQ scored it up to a second late, keeping BullMQ's tiebreak counter (the low 12 bits).
 */
const pinDueScore = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
score = tonumber(score)
local due = tonumber(ARGV[2])
local at = math.floor(score / 4096)
if at <= due or at - due > 1000 then return 0 end
redis.call('ZADD', KEYS[1], 'XX', due * 4096 + (score % 4096), ARGV[1])
return 1`;

/**
 * Scores job `id` in the delayed set `delayedKey` at `dueAt` exactly. BullMQ schedules a retry at
 * its own reading of the clock plus the delay errand's backoff computed from an earlier one
 * (task-queues.ts), so the job fell due, and `get`, `list` and `stats` dated it, a few ms after the
 * `retryAt` errand asked for.
 */
export async function pinDelayedScore(client: Redis, delayedKey: string, id: string, dueAt: number): Promise<void> {
  await client.eval(pinDueScore, 1, delayedKey, id, String(dueAt));
}

/** Not-yet-due retries, due jobs still in the delayed set, and the oldest ready job of one BullMQ queue whose keys start with `queueKey`. */
export async function taskQueueStats(client: Redis, queueKey: string): Promise<{ retrying: number; due: number; oldestQueuedAt: number | undefined }> {
  const reply = (await client.eval(taskStats, 3, `${queueKey}delayed`, `${queueKey}wait`, `${queueKey}prioritized`, queueKey, String(Date.now()), String(heldDelayMs))) as unknown[];
  const oldest = asNumber(reply[2]);
  return { retrying: asNumber(reply[0]), due: asNumber(reply[1]), oldestQueuedAt: oldest === -1 ? undefined : oldest };
}
