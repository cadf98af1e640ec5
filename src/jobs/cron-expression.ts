import { checkTimeZone, instantOf, wallTime } from './zoned-time.js';

/** One parsed field: the values it allows, and whether it was `*` (unrestricted). */
interface CronField {
  readonly values: ReadonlySet<number>;
  readonly any: boolean;
}

/** A parsed cron expression: seconds (0 when the expression has five fields), minutes, hours, day of month, month (1-12), day of week (0-6, Sunday 0). */
export interface CronExpression {
  readonly source: string;
  readonly second: CronField;
  readonly minute: CronField;
  readonly hour: CronField;
  readonly dayOfMonth: CronField;
  readonly month: CronField;
  readonly dayOfWeek: CronField;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseValue(text: string, min: number, names: readonly string[] | undefined, where: string): number {
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + min;
  if (!/^\d+$/.test(text)) throw new RangeError(`${where}: "${text}" is not a number`);
  return Number(text);
}

function parseField(text: string, min: number, max: number, label: string, source: string, names?: readonly string[]): CronField {
  const where = `cron "${source}", ${label}`;
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(Number.isInteger(step) && step >= 1)) throw new RangeError(`${where}: step "${stepText}" must be a whole number >= 1`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else {
      const [a = '', b] = range.split('-');
      from = parseValue(a, min, names, where);
      to = b === undefined ? (stepText === undefined ? from : max) : parseValue(b, min, names, where);
    }
    // Day of week 7 is Sunday too, as in Vixie cron.
    if (label === 'day of week' && to === 7) to = max + 1;
    if (from < min || to > (label === 'day of week' ? max + 1 : max) || from > to) throw new RangeError(`${where}: "${item}" is outside ${min}-${max}`);
    for (let value = from; value <= to; value += step) values.add(label === 'day of week' ? value % 7 : value);
  }
  return { values, any: text === '*' || text === '?' };
}

/**
 * Parses a cron expression of five fields (minute hour day-of-month month day-of-week) or six (a
 * leading seconds field). Each field takes `*`, numbers, ranges `a-b`, lists `a,b`, steps `*\/n` and
 * `a-b/n`; months and days also take English three-letter names; day of week 7 is Sunday. When both
 * day fields are restricted, a day matching either runs (Vixie cron's rule). Throws RangeError.
 *
 * @example
 * parseCron('0 3 * * *')       // 03:00 every day
 * parseCron('*\/10 * * * * *')  // every ten seconds
 */
export function parseCron(source: string): CronExpression {
  const fields = source.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) throw new RangeError(`cron "${source}": expected 5 fields (minute hour day month weekday) or 6 (with seconds first), got ${fields.length}`);
  const [second = '0', minute = '', hour = '', dayOfMonth = '', month = '', dayOfWeek = ''] = fields.length === 6 ? fields : ['0', ...fields];
  return {
    source,
    second: parseField(second, 0, 59, 'seconds', source),
    minute: parseField(minute, 0, 59, 'minutes', source),
    hour: parseField(hour, 0, 23, 'hours', source),
    dayOfMonth: parseField(dayOfMonth, 1, 31, 'day of month', source),
    month: parseField(month, 1, 12, 'month', source, monthNames),
    dayOfWeek: parseField(dayOfWeek, 0, 6, 'day of week', source, dayNames),
  };
}

function dayMatches(cron: CronExpression, date: Date): boolean {
  const dom = cron.dayOfMonth.values.has(date.getUTCDate());
  const dow = cron.dayOfWeek.values.has(date.getUTCDay());
  if (cron.dayOfMonth.any || cron.dayOfWeek.any) return dom && dow;
  return dom || dow;
}

/** The first wall time at or after `from` (a wall time, whole seconds) that the expression matches. */
function nextWall(cron: CronExpression, from: number): number {
  const date = new Date(Math.ceil(from / 1000) * 1000);
  // Each step moves to the start of the next unit that could match; eight years covers any valid date (29 February of a leap year).
  const limit = from + 8 * 366 * 86_400_000;
  while (date.getTime() <= limit) {
    if (!cron.month.values.has(date.getUTCMonth() + 1)) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(cron, date)) {
      date.setUTCDate(date.getUTCDate() + 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!cron.hour.values.has(date.getUTCHours())) {
      date.setUTCHours(date.getUTCHours() + 1, 0, 0, 0);
    } else if (!cron.minute.values.has(date.getUTCMinutes())) {
      date.setUTCMinutes(date.getUTCMinutes() + 1, 0, 0);
    } else if (!cron.second.values.has(date.getUTCSeconds())) {
      date.setUTCSeconds(date.getUTCSeconds() + 1, 0);
    } else return date.getTime();
  }
  throw new RangeError(`cron "${cron.source}" never matches (a day that does not exist, such as 30 February)`);
}

/**
 * The first instant strictly after `after` at which the expression fires in `timeZone`. Times are
 * wall-clock times in the zone: a wall time skipped by a jump forward fires as far past the jump as it
 * was past its start (02:30 → 03:30); a wall time that occurs twice (clocks went back) fires once, at
 * its first occurrence.
 */
export function nextCronTime(cron: CronExpression, after: number, timeZone = 'UTC'): number {
  let wall = wallTime(after, timeZone) + 1000;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const candidate = nextWall(cron, wall);
    const instant = instantOf(candidate, timeZone);
    if (instant > after) return instant;
    // Already passed (the second pass of a repeated hour, or a skipped time mapped onto one that ran).
    wall = candidate + 1000;
  }
  throw new RangeError(`cron "${cron.source}": no time found after ${new Date(after).toISOString()}`);
}

export { checkTimeZone };
