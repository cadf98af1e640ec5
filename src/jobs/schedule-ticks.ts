import { nextCronTime, parseCron, type CronExpression } from './cron-expression.js';
import type { ScheduleSpec, StoredSchedule } from './schedule-store.js';

const parsed = new Map<string, CronExpression>();

/** The first tick of `spec` strictly after `after`. */
export function nextTick(spec: ScheduleSpec, after: number): number {
  if (spec.every !== undefined) return (Math.floor(after / spec.every) + 1) * spec.every;
  const source = spec.cron ?? '';
  let cron = parsed.get(source);
  if (cron === undefined) {
    cron = parseCron(source);
    parsed.set(source, cron);
  }
  return nextCronTime(cron, after, spec.timezone);
}

/** The id of the job a schedule's tick enqueues: the same on every node, so a retried tick finds it. */
export function scheduleJobId(name: string, tick: number): string {
  return `schedule.${name}.${tick}`;
}

/** Most ticks counted when looking for the due ones (a per-second cron after a day of downtime is 86,400). */
const enumerationLimit = 200_000;

/** The due ticks of a schedule at `now`: `nextRunAt` and the following ones up to `now`, the last `keep` of them, and how many there were. */
function dueTicks(schedule: StoredSchedule, now: number, keep: number): { ticks: number[]; count: number } {
  const ticks: number[] = [];
  let count = 0;
  for (let tick = schedule.nextRunAt; tick <= now && count < enumerationLimit; tick = nextTick(schedule.spec, tick)) {
    ticks.push(tick);
    if (ticks.length > keep) ticks.shift();
    count += 1;
  }
  return { ticks, count };
}

/** What to do about one due schedule, before looking at its previous job. */
export interface TickPlan {
  /** The ticks to run, oldest first, by the missed-ticks policy. */
  ticks: number[];
  /** How many due ticks the policy drops. */
  dropped: number;
}

/** Applies the missed-ticks policy to the ticks due at `now`. */
export function planTicks(schedule: StoredSchedule, now: number): TickPlan {
  const { spec } = schedule;
  const keep = spec.missed === 'all' ? spec.maxMissed + 1 : 1;
  const { ticks, count } = dueTicks(schedule, now, keep);
  const latest = ticks.at(-1);
  if (latest === undefined) return { ticks: [], dropped: 0 };
  if (spec.missed === 'none' && now - latest > spec.graceMs) return { ticks: [], dropped: count };
  return { ticks, dropped: count - ticks.length };
}
