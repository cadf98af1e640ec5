/**
 * A value that was thrown but was not an `Error`; the original is kept in `thrown`.
 */
export class NonErrorThrown extends Error {
  override name = 'NonErrorThrown';
  readonly thrown: unknown;

  constructor(thrown: unknown) {
    super(describe(thrown));
    this.thrown = thrown;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined was thrown';
  if (value === null) return 'null was thrown';
  if (typeof value === 'string') return value.length > 0 ? value : 'an empty string was thrown';
  if (typeof value === 'object') {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string' && message.length > 0) return message;
    try {
      return `a non-error object was thrown: ${JSON.stringify(value).slice(0, 200)}`;
    } catch {
      return 'a non-error object was thrown';
    }
  }
  if (typeof value === 'function') return `a function was thrown: ${value.name || 'anonymous'}`;
  const primitive = value as number | bigint | boolean | symbol;
  return `${typeof primitive} was thrown: ${String(primitive)}`;
}

/**
 * Normalises anything thrown into an `Error`, never losing it: errors (including `AggregateError`
 * and cross-realm errors) pass through, anything else is wrapped in a {@link NonErrorThrown} that
 * keeps the original value.
 *
 * @example
 * try { await run() } catch (thrown) { log(coerceError(thrown)) }
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  // Errors from another realm (vm, worker) fail instanceof but are still errors.
  if (Object.prototype.toString.call(thrown) === '[object Error]') return thrown as Error;
  return new NonErrorThrown(thrown);
}
