import { createRequire } from 'node:module';
import type { JobJson } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * BullMQ runs one Lua script per job and per step: one to take a job (moveToActive), one to finish it
 * (moveToFinished). Its own Worker saves a round trip by finishing a job and fetching the next in the
 * same call, but then both share one lock token, which would break errand's fencing (a token must
 * name one claim). errand instead runs **BullMQ's own scripts, unchanged, several times in one
 * call**: each script's text is wrapped into a Lua function, and a small driver calls it once per job
 * with a fresh token. Same atomic moves, same keys, same events as BullMQ's Worker; one round trip and
 * one script invocation per batch instead of per job.
 *
 * The scripts come from BullMQ's build (`dist/cjs/scripts`), which is not BullMQ's public API: this
 * path is **opt-in** (`createRedisBackend({ batchScripts: true })`), off by default. It is tested
 * against the oldest and the newest BullMQ in errand's peer range (batch-scripts.test.ts). If a
 * BullMQ changes the one line this relies on (how the options argument is decoded),
 * {@link loadBatchScripts} answers `undefined` and the backend falls back to one BullMQ call per
 * job (its public `Worker.getNextJob` and `Job.moveToCompleted`).
 */

interface BullScript {
  content: string;
  keys: number;
}

/** The pieces of BullMQ's build this module reads. */
interface BullScripts {
  moveToActive?: BullScript;
  moveToFinished?: BullScript;
}

/** BullMQ's decoder of a moveToActive reply (what its Worker uses): `[job JSON or null, id, …]`. */
type DecodeNextJob = (raw: unknown[]) => unknown[];

/** Wraps a BullMQ script into `local function <name>(KEYS, ARGV)` whose options argument is a Lua table. */
function wrap(name: string, script: BullScript | undefined, keys: number, optsArg: number): string | undefined {
  const decode = `cmsgpack.unpack(ARGV[${optsArg}])`;
  if (script?.keys !== keys || script.content.split(decode).length !== 2) return undefined;
  // The driver unpacks the options once and passes the table: the only change to BullMQ's text.
  return `local function ${name}(KEYS, ARGV)\n${script.content.replace(decode, `ARGV[${optsArg}]`)}\nend\n`;
}

/**
 * KEYS: moveToActive's 11. ARGV: key prefix, timestamp, lock duration, then one fresh token per job
 * wanted (errand's workers set no BullMQ limiter or name, the other options of moveToActive). Takes jobs until the queue has none ready; returns
 * moveToActive's reply per job taken (`{hash, id, 0, 0}`), and its last "nothing" reply if any.
 */
function claimDriver(moveToActive: string): string {
  return `${moveToActive}
local out = {}
local opts = { lockDuration = tonumber(ARGV[3]) }
for i = 4, #ARGV do
  opts['token'] = ARGV[i]
  local reply = moveToActive(KEYS, {ARGV[1], ARGV[2], opts})
  out[#out + 1] = reply
  if type(reply[1]) ~= 'table' then break end
end
return out`;
}

/** BullMQ's key names of one queue, as its Worker and Queue expose them. */
export interface BullKeys {
  [name: string]: string;
}

/** moveToActive's keys, in its order. */
export function claimKeys(keys: BullKeys): string[] {
  return ['wait', 'active', 'prioritized', 'events', 'stalled', 'limiter', 'delayed', 'paused', 'meta', 'pc', 'marker'].map((name) => keys[name] ?? '');
}

/** moveToFinished's keys for completions, in its order (the job key, 12th, is set per job by the driver). */
export function completeKeys(keys: BullKeys): string[] {
  const names = ['wait', 'active', 'prioritized', 'events', 'stalled', 'limiter', 'delayed', 'paused', 'meta', 'pc', 'completed'];
  return [...names.map((name) => keys[name] ?? ''), `${keys[''] ?? ''}`, `${keys[''] ?? ''}metrics:completed`, keys.marker ?? ''];
}

/**
 * KEYS: moveToFinished's 14 (the 12th, the job key, is replaced per job). ARGV: key prefix, timestamp,
 * then per job: id, token, return value JSON, attempts, keepJobs JSON. Returns moveToFinished's code
 * per job (0 done; −1, −2, −3, −6 the token does not hold the job).
 */
function completeDriver(moveToFinished: string): string {
  return `${moveToFinished}
local out = {}
local keys = {}
for i = 1, #KEYS do keys[i] = KEYS[i] end
for i = 3, #ARGV, 5 do
  keys[12] = ARGV[1] .. ARGV[i]
  local opts = { token = ARGV[i + 1], attempts = tonumber(ARGV[i + 3]), keepJobs = cjson.decode(ARGV[i + 4]), maxMetricsSize = '', fpof = false, cpof = false, idof = false, rdof = false }
  out[#out + 1] = moveToFinished(keys, {ARGV[i], ARGV[2], 'returnvalue', ARGV[i + 2], 'completed', '0', ARGV[1], opts, ''})
end
return out`;
}

/** One job to complete in a batch. */
export interface BatchCompletion {
  id: string;
  token: string;
  /** JSON of the result (`null` for none). */
  returnValue: string;
  attempts: number;
  /** JSON of BullMQ's keepJobs (`{ age }` or `{ count }`). */
  keepJobs: string;
}

/** A job taken by a batch claim, decoded as BullMQ's Worker decodes it. */
export interface ClaimedBullJob {
  json: JobJson;
  id: string;
  token: string;
}

/** The batch scripts, registered on one ioredis client. */
export interface BatchScripts {
  /**
   * Claims up to `tokens.length` jobs, one token each, in one call; the jobs taken, in order (the
   * first job holds the first token, and so on).
   */
  claim(keys: readonly string[], prefix: string, lockMs: number, tokens: readonly string[]): Promise<ClaimedBullJob[]>;
  /** Completes jobs; BullMQ's moveToFinished code per job, in order. */
  complete(keys: readonly string[], prefix: string, jobs: readonly BatchCompletion[]): Promise<number[]>;
}

type ScriptCommand = (...args: (string | Buffer | number)[]) => Promise<unknown>;

/**
 * Defines errand's batch commands on `client` (ioredis sends EVALSHA, loading the script once), or
 * answers `undefined` when the installed BullMQ's scripts do not have the expected shape. The
 * command names carry nothing of the version: load one BullMQ build per client.
 */
export function loadBatchScripts(client: Redis, bullmq = 'bullmq'): BatchScripts | undefined {
  let scripts: BullScripts;
  let decode: DecodeNextJob | undefined;
  try {
    // BullMQ ships its scripts (includes inlined) and its reply decoder in its CommonJS build; there
    // is no public export of either. `bullmq`: the package to read them from (tests: another version).
    const require = createRequire(import.meta.url);
    scripts = require(`${bullmq}/dist/cjs/scripts/index.js`) as BullScripts;
    decode = (require(`${bullmq}/dist/cjs/classes/redis-queue-backend.js`) as { raw2NextJobData?: DecodeNextJob }).raw2NextJobData;
  } catch {
    return undefined;
  }
  if (typeof decode !== 'function') return undefined;
  const decodeNext = decode;
  const moveToActive = wrap('moveToActive', scripts.moveToActive, 11, 3);
  const moveToFinished = wrap('moveToFinished', scripts.moveToFinished, 14, 8);
  if (moveToActive === undefined || moveToFinished === undefined) return undefined;
  const commands = client as unknown as Record<string, ScriptCommand | undefined>;
  if (commands.errandClaimBatch === undefined) client.defineCommand('errandClaimBatch', { lua: claimDriver(moveToActive) });
  if (commands.errandCompleteBatch === undefined) client.defineCommand('errandCompleteBatch', { lua: completeDriver(moveToFinished) });
  const claim = commands.errandClaimBatch as ScriptCommand;
  const complete = commands.errandCompleteBatch as ScriptCommand;
  return {
    async claim(keys, prefix, lockMs, tokens) {
      const replies = (await claim.call(client, keys.length, ...keys, prefix, Date.now(), lockMs, ...tokens)) as unknown[][];
      const jobs: ClaimedBullJob[] = [];
      for (const [index, reply] of replies.entries()) {
        const [json, id] = decodeNext(reply);
        const token = tokens[index];
        if (json === null || json === undefined || typeof id !== 'string' || token === undefined) break;
        jobs.push({ json: json as JobJson, id, token });
      }
      return jobs;
    },
    async complete(keys, prefix, jobs) {
      const args = jobs.flatMap((job) => [job.id, job.token, job.returnValue, job.attempts, job.keepJobs]);
      const reply = (await complete.call(client, keys.length, ...keys, prefix, Date.now(), ...args)) as unknown[];
      return reply.map(Number);
    },
  };
}
