/**
 * Wall-clock time in an IANA time zone, through `Intl` only (no time-zone database of our own).
 * A "wall time" is the zone's local date and time written as if it were UTC: `Date.UTC(y, m, d, h, mi, s)`.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError unless `timeZone` is an IANA zone this runtime's `Intl` knows. */
export function checkTimeZone(timeZone: string): void {
  try {
    formatterFor(timeZone);
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}" (give an IANA name such as "Europe/Paris" or "UTC")`);
  }
}

/** The wall time of `instant` in `timeZone`, to the second. */
export function wallTime(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
}

/** The zone's offset from UTC at `instant`, in ms (east positive), to the second. */
export function offsetAt(instant: number, timeZone: string): number {
  return wallTime(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

const day = 86_400_000;

/**
 * The instant a wall time names in `timeZone`. Offsets change at most once within a day on either
 * side, so the candidates are the wall time at the offset a day before and a day after.
 * - Normal: the one instant.
 * - Repeated (clocks went back, the wall time occurs twice): the earlier instant.
 * - Skipped (clocks went forward over it): the wall time read at the offset before the jump, which is
 *   as far past the jump as the wall time was past its start (02:30 in a 02:00→03:00 jump is 03:30),
 *   Temporal's `disambiguation: 'compatible'`.
 */
export function instantOf(wall: number, timeZone: string): number {
  const before = wall - offsetAt(wall - day, timeZone);
  const after = wall - offsetAt(wall + day, timeZone);
  const candidates = [before, after].filter((instant) => wallTime(instant, timeZone) === wall).sort((a, b) => a - b);
  return candidates[0] ?? before;
}
