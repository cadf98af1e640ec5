import { parseCron } from './cron-expression.js';
import type { MissedPolicy, OverlapPolicy } from './schedule-store.js';
import type { AnyTask, TaskInput } from './task-definition.js';
import { checkTimeZone } from './zoned-time.js';

/** Options of {@link defineSchedule}: when it ticks (`cron` or `every`) and what each tick does. */
export interface ScheduleOptions<Payload> {
  /** The schedule's identity across deploys, `[A-Za-z0-9_.-]`, at most 100 characters. @default the task's name */
  name?: string;
  /** A cron expression of 5 fields, or 6 with seconds first (see docs/schedules.md). Give `cron` or `every`. */
  cron?: string;
  /** A fixed interval in ms: ticks at whole multiples of it since the Unix epoch. Give `cron` or `every`. */
  every?: number;
  /** IANA time zone of `cron` (wall-clock times; see docs/schedules.md for DST). @default 'UTC' */
  timezone?: string;
  /** The payload of every tick's job, checked against the task's schema when the worker starts. */
  payload?: Payload;
  /** While the previous tick's job is unfinished: `skip` the tick, `queue` it (run once the previous ends), or `allow` both to run. @default 'skip' */
  overlap?: OverlapPolicy;
  /** Ticks missed while no worker ran: `none`, the `latest` only, or `all` (at most `maxMissed`). @default 'latest' */
  missed?: MissedPolicy;
  /** Under `missed: 'all'`, most missed ticks run (the oldest are dropped). @default 100 */
  maxMissed?: number;
  /** Under `missed: 'none'`, how late a tick may be found and still run. @default 60_000 */
  graceMs?: number;
  /** Priority of each tick's job. @default 0 */
  priority?: number;
}

/** A schedule declared in code, handed to `createWorker({ schedules })`. */
export interface ScheduleDefinition<Task extends AnyTask = AnyTask> {
  readonly kind: 'errand:schedule';
  readonly name: string;
  readonly task: Task;
  readonly options: Readonly<ScheduleOptions<TaskInput<Task>>>;
}

const namePattern = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Declares that `task` runs on a cron expression or a fixed interval, with a payload. Declare it in
 * the workers (`createWorker({ schedules })`): each upserts it at start, and exactly one job is
 * enqueued per tick however many workers run.
 *
 * @example
 * const nightly = defineSchedule(pruneUploads, { cron: '0 3 * * *', timezone: 'Europe/Paris', payload: { olderThanDays: 30 } })
 * const heartbeat = defineSchedule(ping, { name: 'ping-5s', every: 5_000, overlap: 'allow' })
 */
export function defineSchedule<Task extends AnyTask>(task: Task, options: ScheduleOptions<TaskInput<Task>>): ScheduleDefinition<Task> {
  const name = options.name ?? task.name;
  const where = `defineSchedule("${name}")`;
  if (!namePattern.test(name)) throw new TypeError(`${where}: a schedule name is 1-100 of [A-Za-z0-9_.-]; pass \`name\` when the task's name has other characters`);
  if ((options.cron === undefined) === (options.every === undefined)) throw new TypeError(`${where}: give exactly one of \`cron\` and \`every\``);
  try {
    if (options.cron !== undefined) parseCron(options.cron);
    if (options.timezone !== undefined) checkTimeZone(options.timezone);
  } catch (error) {
    throw new RangeError(`${where}: ${(error as Error).message}`);
  }
  if (options.every !== undefined && !(Number.isInteger(options.every) && options.every >= 1)) throw new RangeError(`${where}: every must be a whole number of ms >= 1, got ${options.every}`);
  if (options.every !== undefined && options.timezone !== undefined) throw new TypeError(`${where}: timezone applies to cron only; \`every\` ticks at multiples of its interval since the epoch`);
  if (options.overlap !== undefined && !['skip', 'queue', 'allow'].includes(options.overlap)) throw new RangeError(`${where}: overlap must be 'skip', 'queue' or 'allow'`);
  if (options.missed !== undefined && !['none', 'latest', 'all'].includes(options.missed)) throw new RangeError(`${where}: missed must be 'none', 'latest' or 'all'`);
  if (options.maxMissed !== undefined && !(Number.isInteger(options.maxMissed) && options.maxMissed >= 0)) throw new RangeError(`${where}: maxMissed must be a whole number >= 0`);
  if (options.graceMs !== undefined && !(options.graceMs >= 0)) throw new RangeError(`${where}: graceMs must be >= 0`);
  return { kind: 'errand:schedule', name, task, options: { ...options } };
}
