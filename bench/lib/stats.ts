/**
 * Medians and ratios: the only statistics the benchmark publishes. A median over interleaved rounds
 * is robust to one round landing on a noisy moment, which a mean is not.
 */

/** Median of `values` (mean of the middle two for an even count); `NaN` for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `a / b`, or `NaN` when either side is missing or `b` is zero (printed as `n/a`). */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

/**
 * `a[i] / b[i]` for each round both measured: a pair is measured in the same round, minutes apart at
 * most, so a slow phase of the machine (one round at half speed, seen on the shared 2-core VMs)
 * lands on both sides and cancels out of the ratio, which the ratio of two medians does not.
 */
export function roundRatios(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  if (a === undefined || b === undefined) return [];
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const value = ratio(a[i], b[i]);
    if (!Number.isNaN(value)) out.push(value);
  }
  return out;
}

/** The median of {@link roundRatios}: the ratio the benchmark publishes; `NaN` when no round has both. */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  return median(roundRatios(a, b));
}

/** Rounds for display: 3 significant digits under 100, integers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}
