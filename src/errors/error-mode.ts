/**
 * How much an error response reveals. `production` never sends a 5xx's message, stack or cause;
 * `debug` adds `stack` and `cause` as problem extensions and shows 5xx messages.
 */
export type ErrorMode = 'production' | 'debug';

/**
 * The mode used when none is given: `debug` when `NODE_ENV` is `development` or `test`, otherwise
 * `production` (an unset `NODE_ENV` is production, so a forgotten variable never leaks internals).
 *
 * @default 'production'
 * @example
 * defaultErrorMode({ NODE_ENV: 'development' }) // 'debug'
 */
export function defaultErrorMode(env: { NODE_ENV?: string } = process.env): ErrorMode {
  return env.NODE_ENV === 'development' || env.NODE_ENV === 'test' ? 'debug' : 'production';
}

// Capturing a V8 stack trace is most of the cost of throwing; client errors (4xx) are expected
// traffic, so in production they are built without one. Module-level because error constructors
// have no access to per-app options.
let captureClientErrorStacks = defaultErrorMode() === 'debug';

/**
 * Whether errand's own client errors (`HTTPException` and `ErrandError` with a status below 500)
 * capture a stack trace when constructed. Set by `errand(app, { mode })`; off in production.
 *
 * @example
 * setClientErrorStacks(false) // production: `new HTTPException(404)` skips stack capture
 */
export function setClientErrorStacks(enabled: boolean): void {
  captureClientErrorStacks = enabled;
}

/** Whether client errors currently capture a stack trace (see {@link setClientErrorStacks}). */
export function clientErrorStacks(): boolean {
  return captureClientErrorStacks;
}

/**
 * Called right before `super()` in an error constructor: turns stack capture off when `status` is a
 * client error, or `expected` (a refusal such as load shedding, whatever its status), and stacks
 * are disabled. Returns the limit to restore with `Error.stackTraceLimit = …` after `super()`, or
 * `undefined` when nothing was changed (nothing to restore).
 */
export function suspendStackFor(status: number, expected = false): number | undefined {
  if (captureClientErrorStacks || (status >= 500 && !expected)) return undefined;
  const limit = Error.stackTraceLimit;
  if (typeof limit !== 'number') return undefined;
  Error.stackTraceLimit = 0;
  return limit;
}
