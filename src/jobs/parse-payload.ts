import type { StandardSchemaV1 } from '@standard-schema/spec';
import { PayloadInvalidError } from './payload-invalid-error.js';
import { fieldErrorsFromIssues } from '../errors/validation-error.js';

/** What payload parsing needs of a task made with `defineTask`. */
export interface ParsableTask {
  readonly name: string;
  readonly options: { readonly schema?: unknown };
  parse(payload: unknown): Promise<unknown>;
}

// A schema may be a function as well as an object: an arktype type is a callable with `~standard`.
function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Partial<StandardSchemaV1>)['~standard']?.validate === 'function';
}

/** Whether `value` is a promise or any thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Validates a payload like `task.parse`, but answers synchronously whenever the schema does (or the
 * task has none), so enqueueing and running a job cost no extra turn of the microtask queue per job.
 * Returns the parsed value, or a promise of it when the schema validates asynchronously; throws
 * PayloadInvalidError (synchronously, or as the promise's rejection) like `task.parse`.
 *
 * @example
 * const parsed = parsePayload(task, job.payload)
 * const payload = isThenable(parsed) ? await parsed : parsed
 */
export function parsePayload(task: ParsableTask, payload: unknown): unknown {
  const schema = task.options.schema;
  if (schema === undefined) return payload;
  // A task shaped by something other than this package's defineTask: trust its own parse.
  if (!isStandardSchema(schema)) return task.parse(payload);
  const result = schema['~standard'].validate(payload);
  if (isThenable(result)) return Promise.resolve(result).then((settled) => unwrap(task.name, settled));
  return unwrap(task.name, result);
}

function unwrap(name: string, result: StandardSchemaV1.Result<unknown>): unknown {
  if (result.issues !== undefined) throw new PayloadInvalidError(name, fieldErrorsFromIssues(result.issues, 'payload'));
  return result.value;
}
