import { describe, expect, it } from 'vitest';
import { nextTick, planTicks, scheduleJobId } from './schedule-ticks.js';
import type { ScheduleSpec, StoredSchedule } from './schedule-store.js';

const at = (text: string): number => Date.parse(text);

function spec(overrides: Partial<ScheduleSpec>): ScheduleSpec {
  return { task: 't', timezone: 'UTC', payload: null, overlap: 'skip', missed: 'latest', maxMissed: 10, graceMs: 0, priority: 0, maxAttempts: 1, ...overrides };
}

function schedule(overrides: Partial<ScheduleSpec>, nextRunAt: number): StoredSchedule {
  return { name: 's', spec: spec(overrides), nextRunAt, lastTickAt: null, paused: false, updatedAt: 0 };
}

describe('nextTick', () => {
  it('puts `every` ticks on multiples of the interval since the epoch, strictly after the time given', () => {
    expect(nextTick(spec({ every: 60_000 }), at('2026-01-01T00:00:30Z'))).toBe(at('2026-01-01T00:01:00Z'));
    expect(nextTick(spec({ every: 60_000 }), at('2026-01-01T00:01:00Z'))).toBe(at('2026-01-01T00:02:00Z'));
  });

  it('reads a cron in the schedule’s time zone', () => {
    expect(nextTick(spec({ cron: '0 9 * * *', timezone: 'America/New_York' }), at('2026-01-10T00:00:00Z'))).toBe(at('2026-01-10T14:00:00Z'));
    expect(nextTick(spec({ cron: '0 9 * * *' }), at('2026-01-10T00:00:00Z'))).toBe(at('2026-01-10T09:00:00Z'));
  });
});

describe('scheduleJobId', () => {
  it('names the job of a tick after the schedule and the tick, the same on every node', () => {
    expect(scheduleJobId('nightly', 1_767_225_600_000)).toBe('schedule.nightly.1767225600000');
  });
});

describe('planTicks', () => {
  const minute = 60_000;
  const start = at('2026-01-01T00:00:00Z');

  it('runs nothing before the next tick is due, and the tick that is due exactly now', () => {
    expect(planTicks(schedule({ every: minute }, start), start - 1)).toEqual({ ticks: [], dropped: 0 });
    expect(planTicks(schedule({ every: minute }, start), start)).toEqual({ ticks: [start], dropped: 0 });
  });

  it("missed: 'latest' runs the latest due tick and counts the others as dropped", () => {
    expect(planTicks(schedule({ every: minute, missed: 'latest' }, start), start + 3 * minute + 5)).toEqual({ ticks: [start + 3 * minute], dropped: 3 });
  });

  it("missed: 'all' runs up to maxMissed ticks besides the latest, oldest first", () => {
    expect(planTicks(schedule({ every: minute, missed: 'all', maxMissed: 2 }, start), start + 4 * minute)).toEqual({ ticks: [start + 2 * minute, start + 3 * minute, start + 4 * minute], dropped: 2 });
    expect(planTicks(schedule({ every: minute, missed: 'all', maxMissed: 10 }, start), start + minute)).toEqual({ ticks: [start, start + minute], dropped: 0 });
  });

  it("missed: 'none' runs the latest tick only within graceMs of it, else drops them all", () => {
    const due = schedule({ every: minute, missed: 'none', graceMs: 1_000 }, start);
    expect(planTicks(due, start + 1_000)).toEqual({ ticks: [start], dropped: 0 });
    expect(planTicks(due, start + 1_001)).toEqual({ ticks: [], dropped: 1 });
    expect(planTicks(due, start + 2 * minute + 500)).toEqual({ ticks: [start + 2 * minute], dropped: 2 });
    expect(planTicks(due, start + 2 * minute + 1_001)).toEqual({ ticks: [], dropped: 3 });
  });

  it('counts at most 200,000 due ticks (a per-second schedule after days of downtime)', () => {
    const plan = planTicks(schedule({ every: 1_000 }, start), start + 3 * 86_400_000);
    expect(plan).toEqual({ ticks: [start + 199_999 * 1_000], dropped: 199_999 });
  });
});
