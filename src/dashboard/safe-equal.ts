import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in time that does not depend on where they differ. Both sides are hashed
 * first so that inputs of different lengths neither throw nor leak the expected length.
 *
 * @example
 * safeEqual(presentedToken, options.token) // true only for an exact match
 */
export function safeEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  // The length check is still needed: two different strings never share a digest in practice,
  // but being exact costs nothing.
  return timingSafeEqual(a, b) && presented.length === expected.length;
}
