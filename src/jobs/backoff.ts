import type { BackoffOption } from './task-definition.js';

/** The backoff used when a task sets none. */
export const defaultBackoff = { type: 'exponential', delayMs: 1000, maxDelayMs: 3_600_000, jitter: true } as const satisfies BackoffOption;

/**
 * How many ms to wait before the retry that follows failed attempt number `attempt` (1-based).
 * Pure: randomness comes from `random` (default `Math.random`) so tests can pin it.
 *
 * - exponential: `delayMs × 2^(attempt-1)`, capped at `maxDelayMs`, then jittered. Full jitter
 *   spreads retries of jobs that failed together (a flapping dependency) over the whole window;
 *   decorrelated jitter keeps a floor of `delayMs`. No state is stored, so decorrelated jitter
 *   takes the previous delay to be its un-jittered value.
 * - fixed: always `delayMs`.
 * - a function: its answer, clamped to a finite number >= 0.
 *
 * @example
 * computeBackoff({ type: 'exponential', delayMs: 100, jitter: false }, 3, error) // 400
 */
export function computeBackoff(option: BackoffOption = defaultBackoff, attempt: number, error: Error, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  if (typeof option === 'function') return clamp(option(n, error));
  if (option.type === 'fixed') return clamp(option.delayMs);
  const base = Math.max(0, option.delayMs ?? defaultBackoff.delayMs);
  const cap = Math.max(0, option.maxDelayMs ?? defaultBackoff.maxDelayMs);
  const exponential = Math.min(cap, base * 2 ** (n - 1));
  const jitter = option.jitter ?? true;
  if (jitter === false) return Math.round(exponential);
  if (jitter === 'decorrelated') {
    const previous = Math.min(cap, n === 1 ? base : base * 2 ** (n - 2));
    const high = Math.max(base, 3 * previous);
    return Math.round(Math.min(cap, base + random() * (high - base)));
  }
  return Math.round(random() * exponential);
}

function clamp(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
}
