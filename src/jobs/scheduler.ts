import { ErrandError } from '../errors/errand-error.js';
import type { JobBackend } from './backend.js';
import type { ScheduleDefinition } from './define-schedule.js';
import { finishedStates, type NewJob } from './job.js';
import type { ScheduleSpec, ScheduleStore, StoredSchedule } from './schedule-store.js';
import { nextTick, planTicks, scheduleJobId } from './schedule-ticks.js';
import type { AnyTask } from './task-definition.js';

/** The backend's schedule store, or ERRAND_BACKEND_CONFIG when it has none. */
export function scheduleStoreOf(backend: JobBackend): ScheduleStore {
  if (backend.schedules === undefined) throw new ErrandError('ERRAND_BACKEND_CONFIG', `backend ${backend.name} does not store schedules`);
  return backend.schedules;
}

/** The stored form of a declaration; the payload is checked against the task's schema first. */
export async function specOf(definition: ScheduleDefinition): Promise<ScheduleSpec> {
  const { task, options } = definition;
  const payload = options.payload ?? {};
  await task.parse(payload);
  const retries = (task as AnyTask & { options?: { retries?: number } }).options?.retries;
  const spec: ScheduleSpec = {
    task: task.name,
    timezone: options.timezone ?? 'UTC',
    payload,
    overlap: options.overlap ?? 'skip',
    missed: options.missed ?? 'latest',
    maxMissed: options.maxMissed ?? 100,
    graceMs: options.graceMs ?? 60_000,
    priority: options.priority ?? 0,
    maxAttempts: (retries ?? 3) + 1,
  };
  if (options.cron !== undefined) spec.cron = options.cron;
  if (options.every !== undefined) spec.every = options.every;
  return spec;
}

function sameTiming(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return a.cron === b.cron && a.every === b.every && a.timezone === b.timezone;
}

/** JSON with object keys sorted at every depth, so a stored copy (whose key order a database may change) compares equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sameSpec(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return canonical(a) === canonical(b);
}

/** What {@link syncSchedules} did, by schedule name. */
export interface SyncReport {
  created: string[];
  updated: string[];
  removed: string[];
}

/**
 * Upserts the declared schedules: a new one is stored with its first tick after `now`; a changed one
 * is replaced (its next tick recomputed from `now` when its timing changed, kept otherwise, so a
 * payload change does not lose a tick); an unchanged one is left alone. A stored schedule of one of
 * `tasks` that is not declared is removed (the deploy dropped it). The paused flag is kept.
 */
export async function syncSchedules(store: ScheduleStore, definitions: readonly ScheduleDefinition[], tasks: readonly string[], now: number): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], removed: [] };
  const names = new Set<string>();
  for (const definition of definitions) {
    if (names.has(definition.name)) throw new TypeError(`two schedules are named "${definition.name}"; schedule names must be unique`);
    names.add(definition.name);
    const spec = await specOf(definition);
    const existing = await store.get(definition.name);
    if (existing !== undefined && sameSpec(existing.spec, spec)) continue;
    const keepNext = existing !== undefined && sameTiming(existing.spec, spec);
    await store.save({ name: definition.name, spec, nextRunAt: keepNext ? existing.nextRunAt : nextTick(spec, now), lastTickAt: existing?.lastTickAt ?? null, paused: existing?.paused ?? false, updatedAt: now });
    (existing === undefined ? report.created : report.updated).push(definition.name);
  }
  for (const stored of await store.list()) {
    if (!names.has(stored.name) && tasks.includes(stored.spec.task) && (await store.remove(stored.name))) report.removed.push(stored.name);
  }
  return report;
}

/** The fair-queue group of a job of `task` with `payload` (the worker's task definitions know it), or undefined. */
export type GroupOf = (task: string, payload: unknown) => string | undefined;

function tickJob(schedule: StoredSchedule, tick: number, now: number, groupOf: GroupOf | undefined): NewJob {
  const { spec } = schedule;
  const job: NewJob = { id: scheduleJobId(schedule.name, tick), task: spec.task, payload: spec.payload, runAt: tick, priority: spec.priority, maxAttempts: spec.maxAttempts, createdAt: now };
  const group = groupOf?.(spec.task, spec.payload);
  if (group !== undefined) job.group = group;
  return job;
}

/** Whether the job of the schedule's last fired tick is unfinished. */
async function previousActive(backend: JobBackend, schedule: StoredSchedule): Promise<boolean> {
  if (schedule.lastTickAt === null) return false;
  const job = await backend.get(scheduleJobId(schedule.name, schedule.lastTickAt));
  return job !== undefined && !finishedStates.includes(job.state);
}

/** What one node did about one due schedule. */
export type TickOutcome = { fired: number[]; skipped: number; held: boolean; lost: boolean };

/** Longest lead: how far ahead of a tick a worker's scheduler handles it. */
export const scheduleLeadMs = 50;

/**
 * How far ahead of its ticks a worker handles `spec`: {@link scheduleLeadMs}, at most half an
 * interval, so the overlap policy still looks at the previous tick's job after it was due.
 */
export function leadOf(spec: ScheduleSpec): number {
  return spec.every === undefined ? scheduleLeadMs : Math.min(scheduleLeadMs, Math.floor(spec.every / 2));
}

/**
 * Handles one schedule at `now`: picks the ticks by the missed-ticks policy, applies the overlap
 * policy, then enqueues their jobs and advances `nextRunAt` with one compare-and-set. `lost` is true
 * when another node handled it first (nothing was done here). With `leadMs`, ticks up to `now +
 * leadMs` are handled now: their jobs are enqueued with `runAt` = the tick, so a waiting worker
 * starts them at the tick instead of after this step's round trips.
 */
export async function runSchedule(backend: JobBackend, store: ScheduleStore, schedule: StoredSchedule, now: number, groupOf?: GroupOf, leadMs = 0): Promise<TickOutcome> {
  const none: TickOutcome = { fired: [], skipped: 0, held: false, lost: false };
  const at = now + leadMs;
  if (schedule.paused || schedule.nextRunAt > at) return none;
  const { spec } = schedule;
  const plan = planTicks(schedule, at);
  const after = nextTick(spec, at);
  let fire = plan.ticks;
  let nextRunAt = after;
  let skipped = plan.dropped;
  if (spec.overlap !== 'allow' && fire.length > 0) {
    if (await previousActive(backend, schedule)) {
      // 'queue' leaves the tick due and looks again on a later round; 'skip' passes over it.
      if (spec.overlap === 'queue') return { ...none, held: true };
      skipped += fire.length;
      fire = [];
    } else if (fire.length > 1 && spec.overlap === 'queue') {
      // One run at a time: the oldest now, the next once it has ended.
      nextRunAt = fire[1] ?? after;
      fire = fire.slice(0, 1);
    } else if (fire.length > 1) {
      skipped += fire.length - 1;
      fire = fire.slice(-1);
    }
  }
  const lastTickAt = fire.at(-1) ?? schedule.lastTickAt;
  const won = await store.advance({ name: schedule.name, expectedNextRunAt: schedule.nextRunAt, nextRunAt, lastTickAt, now }, fire.map((tick) => tickJob(schedule, tick, now, groupOf)));
  return won ? { fired: fire, skipped, held: false, lost: false } : { ...none, lost: true };
}

/** How soon a tick held by `overlap: 'queue'` is looked at again. */
const heldRecheckMs = 250;

/**
 * Runs every due schedule of `tasks` once; answers when to look again (Infinity when never): the
 * earliest `nextRunAt` among them afterwards, less its lead when `lead` is true (a worker's
 * scheduler handles each tick {@link leadOf} ahead; see {@link runSchedule}).
 */
export async function runDueSchedules(backend: JobBackend, store: ScheduleStore, tasks: ReadonlySet<string>, now: number, groupOf?: GroupOf, lead = false): Promise<number> {
  let earliest = Number.POSITIVE_INFINITY;
  for (const schedule of await store.list()) {
    if (!tasks.has(schedule.spec.task) || schedule.paused) continue;
    const leadMs = lead ? leadOf(schedule.spec) : 0;
    if (schedule.nextRunAt <= now + leadMs) {
      const outcome = await runSchedule(backend, store, schedule, now, groupOf, leadMs);
      // A held tick is looked at again soon; otherwise the stored row now says when.
      if (outcome.held) earliest = Math.min(earliest, now + heldRecheckMs);
      else earliest = Math.min(earliest, ((await store.get(schedule.name))?.nextRunAt ?? Number.POSITIVE_INFINITY) - leadMs);
    } else earliest = Math.min(earliest, schedule.nextRunAt - leadMs);
  }
  return earliest;
}
