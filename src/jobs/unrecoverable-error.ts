/**
 * Thrown by a task handler to say that retrying cannot help (bad input, a deleted resource): the job
 * goes straight to `dead` with `ERRAND_UNRECOVERABLE`, whatever retries remain.
 *
 * @example
 * if (!user) throw new UnrecoverableError(`user ${id} no longer exists`)
 */
export class UnrecoverableError extends Error {
  override name = 'UnrecoverableError';
  /** Brand recognised across duplicate copies of the package. */
  readonly unrecoverable = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Whether `value` is an {@link UnrecoverableError}, from this copy of errand or another. */
export function isUnrecoverableError(value: unknown): value is UnrecoverableError {
  return value instanceof Error && (value as Partial<UnrecoverableError>).unrecoverable === true;
}
