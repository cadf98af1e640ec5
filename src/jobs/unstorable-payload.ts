import type { NewJob } from './job.js';
import { PayloadInvalidError } from './payload-invalid-error.js';

/**
 * The error an enqueue answers when its backend failed to store jobs: `ERRAND_JOB_PAYLOAD_INVALID`
 * (422) when a payload cannot be written as JSON (nested deeper than `JSON.stringify` can go, which
 * a client's body parsed by `JSON.parse` can be; a BigInt; a cycle), else the backend's own error.
 * Without it the same payload was a bare `RangeError` on memory, SQLite and Postgres (a 500 in a
 * route) and `ERRAND_BACKEND_UNAVAILABLE` (503, "check that Redis is reachable") on Redis.
 * Only a failed store pays for the check.
 *
 * @example
 * backend.enqueue(jobs).catch((error) => { throw storeFailure(jobs, error) })
 */
export function storeFailure(jobs: readonly NewJob[], error: unknown): unknown {
  for (const job of jobs) {
    const reason = encodingFailure(job.payload);
    if (reason !== undefined) {
      return new PayloadInvalidError(job.task, [{ pointer: '', loc: ['payload'], message: `cannot be stored as JSON: ${reason}`, code: 'not_json' }]);
    }
  }
  return error;
}

function encodingFailure(payload: unknown): string | undefined {
  try {
    JSON.stringify(payload);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    return error instanceof RangeError ? `nested too deeply (${message})` : message;
  }
}
