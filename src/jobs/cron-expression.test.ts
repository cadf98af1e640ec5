import { describe, expect, it } from 'vitest';
import { nextCronTime, parseCron } from './cron-expression.js';
import { instantOf, wallTime } from './zoned-time.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);

/** The first `count` ticks strictly after `from`. */
function ticks(expression: string, from: string, count: number, timeZone = 'UTC'): string[] {
  const cron = parseCron(expression);
  const out: string[] = [];
  let after = at(from);
  for (let n = 0; n < count; n += 1) {
    after = nextCronTime(cron, after, timeZone);
    out.push(iso(after));
  }
  return out;
}

describe('parseCron', () => {
  it('takes five fields, or six with seconds first', () => {
    expect(ticks('*/15 * * * *', '2026-01-01T00:07:00Z', 2)).toEqual(['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z']);
    expect(ticks('*/20 * * * * *', '2026-01-01T00:00:05Z', 3)).toEqual(['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z']);
  });

  it('takes lists, ranges, steps over ranges, names, and 7 as Sunday', () => {
    expect(ticks('0 9-17/4 * * mon-fri', '2026-01-02T10:00:00Z', 3)).toEqual(['2026-01-02T13:00:00.000Z', '2026-01-02T17:00:00.000Z', '2026-01-05T09:00:00.000Z']);
    expect(ticks('0 0 1 jan,jul *', '2026-02-01T00:00:00Z', 2)).toEqual(['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(ticks('0 12 * * 7', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T12:00:00.000Z']);
  });

  it('runs on either day when both day fields are restricted (Vixie cron)', () => {
    // 2026-01-13 is the 13th (a Tuesday); 2026-01-16 is a Friday.
    expect(ticks('0 0 13 * fri', '2026-01-12T00:00:00Z', 3)).toEqual(['2026-01-13T00:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-23T00:00:00.000Z']);
  });

  it('finds 29 February', () => {
    expect(ticks('0 0 29 2 *', '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
  });

  it('refuses malformed expressions with a RangeError naming the field', () => {
    expect(() => parseCron('* * * *')).toThrow(/expected 5 fields/);
    expect(() => parseCron('60 * * * *')).toThrow(/minutes: "60" is outside 0-59/);
    expect(() => parseCron('* * * foo *')).toThrow(/month: "foo" is not a number/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/step/);
    expect(() => nextCronTime(parseCron('0 0 30 2 *'), 0)).toThrow(/never matches/);
  });
});

describe('parseCron, field by field', () => {
  it('says which field is wrong and why, with the expression', () => {
    expect(() => parseCron('* * * *')).toThrow(new RangeError('cron "* * * *": expected 5 fields (minute hour day month weekday) or 6 (with seconds first), got 4'));
    expect(() => parseCron('* * * * * * *')).toThrow(/got 7$/);
    expect(() => parseCron('*/0 * * * *')).toThrow(new RangeError('cron "*/0 * * * *", minutes: step "0" must be a whole number >= 1'));
    expect(() => parseCron('*/1.5 * * * *')).toThrow(/minutes: step "1.5" must be a whole number >= 1/);
    expect(() => parseCron('0 5-3 * * *')).toThrow(new RangeError('cron "0 5-3 * * *", hours: "5-3" is outside 0-23'));
    expect(() => parseCron('0 0 0 * *')).toThrow(/day of month: "0" is outside 1-31/);
    expect(() => parseCron('0 0 32 * *')).toThrow(/day of month: "32" is outside 1-31/);
    expect(() => parseCron('0 0 * 13 *')).toThrow(/month: "13" is outside 1-12/);
    expect(() => parseCron('0 0 * * 8')).toThrow(/day of week: "8" is outside 0-6/);
    expect(() => parseCron('0 24 * * *')).toThrow(/hours: "24" is outside 0-23/);
    expect(() => parseCron('60 * * * * *')).toThrow(/seconds: "60" is outside 0-59/);
    expect(() => parseCron('1x * * * *')).toThrow(new RangeError('cron "1x * * * *", minutes: "1x" is not a number'));
  });

  it('reads fields separated by any run of spaces, ignoring spaces around the expression, and refuses text around a number', () => {
    expect(ticks('  0   9 * *\t*  ', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T09:00:00.000Z']);
    expect(() => parseCron('x5 * * * *')).toThrow(/minutes: "x5" is not a number/);
  });

  it('takes names in any case: jan is month 1, sun is day 0', () => {
    expect(ticks('0 0 1 JAN *', '2026-03-01T00:00:00Z', 1)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(ticks('0 0 * * Sun', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(ticks('0 0 * * sat', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-03T00:00:00.000Z']);
  });

  it('reads a/n as from a to the end of the field, every n', () => {
    expect(ticks('5/20 * * * *', '2026-01-01T00:00:00Z', 4)).toEqual(['2026-01-01T00:05:00.000Z', '2026-01-01T00:25:00.000Z', '2026-01-01T00:45:00.000Z', '2026-01-01T01:05:00.000Z']);
  });

  it('takes 7 as Sunday at the end of a range', () => {
    // 2026-01-02 is a Friday.
    expect(ticks('0 0 * * 5-7', '2026-01-01T12:00:00Z', 4)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-09T00:00:00.000Z']);
  });

  it('reads ? as *: with one day field unrestricted, both must match', () => {
    // Mondays only, not every day: the day of month is unrestricted.
    expect(ticks('0 0 ? * mon', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-05T00:00:00.000Z', '2026-01-12T00:00:00.000Z']);
    expect(ticks('0 0 13 * ?', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']);
    // A step is a restriction: the 13th, or a Sunday (*/7 on days of week is Sunday only).
    expect(ticks('0 0 13 * */7', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z', '2026-01-13T00:00:00.000Z']);
  });

  it('starts a later month, day, hour or minute at its first matching time, not at the time it searched from', () => {
    expect(ticks('30 6 * mar *', '2026-01-15T12:45:30Z', 1)).toEqual(['2026-03-01T06:30:00.000Z']);
    expect(ticks('15 6 * * mon', '2026-01-06T12:45:30Z', 1)).toEqual(['2026-01-12T06:15:00.000Z']);
    expect(ticks('10 */15 * * * *', '2026-01-01T00:07:30Z', 2)).toEqual(['2026-01-01T00:15:10.000Z', '2026-01-01T00:30:10.000Z']);
    expect(ticks('20 5 9 * * *', '2026-01-01T08:30:40Z', 1)).toEqual(['2026-01-01T09:05:20.000Z']);
  });

  it('fires strictly after a time between two seconds, on the next whole second', () => {
    expect(ticks('* * * * * *', '2026-01-01T00:00:00.500Z', 2)).toEqual(['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z']);
  });

  it('finds 29 February across a century year that is not a leap year (eight years on)', () => {
    expect(ticks('0 0 29 2 *', '2096-03-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00.000Z']);
  });
});

describe('time zones and daylight saving time', () => {
  it('reads the expression as wall-clock time in the zone', () => {
    // 09:00 in New York in January is 14:00 UTC; in July (EDT) 13:00 UTC.
    expect(ticks('0 9 * * *', '2026-01-10T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-01-10T14:00:00.000Z']);
    expect(ticks('0 9 * * *', '2026-07-10T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-07-10T13:00:00.000Z']);
  });

  it('a skipped local time (clocks jump 02:00 → 03:00) runs as far past the jump as it was past 02:00, once', () => {
    // Paris, 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC). 02:30 does not exist that day.
    expect(ticks('30 2 * * *', '2026-03-28T12:00:00Z', 3, 'Europe/Paris')).toEqual([
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    // An hourly job goes 01:30 CET → 03:30 CEST: the skipped 02:30 maps onto 03:30, which runs once.
    expect(ticks('30 * * * *', '2026-03-29T00:00:00Z', 3, 'Europe/Paris')).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-29T02:30:00.000Z']);
  });

  it('a repeated local time (clocks go back 03:00 → 02:00) runs once, at its first occurrence', () => {
    // Paris, 25 October 2026: 03:00 CEST (01:00 UTC) becomes 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
    expect(ticks('30 2 * * *', '2026-10-24T12:00:00Z', 2, 'Europe/Paris')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // Every 30 minutes: the second pass through 02:00-02:59 is not run again.
    expect(ticks('*/30 * * * *', '2026-10-24T23:45:00Z', 5, 'Europe/Paris')).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET (02:00 and 02:30 CET were already run)
      '2026-10-25T02:30:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('from within the second pass of a repeated hour, does not go back to a wall time of the first pass', () => {
    // 01:10 UTC is 02:10 CET, the second 02:10 of 25 October 2026 in Paris; 02:30 was at 00:30 UTC.
    expect(ticks('*/30 * * * *', '2026-10-25T01:10:00Z', 2, 'Europe/Paris')).toEqual(['2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z']);
  });

  it('maps wall times to instants by the same rules', () => {
    expect(iso(instantOf(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Paris'))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(instantOf(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Paris'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(wallTime(at('2026-10-25T01:30:00Z'), 'Europe/Paris'))).toBe('2026-10-25T02:30:00.000Z');
  });
});
