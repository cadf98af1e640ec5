import { fieldErrorsFromIssues } from '../errors/validation-error.js';
import { jobDedupeOf } from './dedupe.js';
import { PayloadInvalidError } from './payload-invalid-error.js';
import type { TaskDefinition, TaskOptions } from './task-definition.js';

function checkOptions(name: string, options: TaskOptions<unknown, unknown>): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('defineTask: the task name must be a non-empty string');
  if (typeof options.handler !== 'function') throw new TypeError(`defineTask("${name}"): handler must be a function`);
  const retries = options.retries;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) throw new RangeError(`defineTask("${name}"): retries must be an integer >= 0, got ${retries}`);
  const timeout = options.timeout;
  if (timeout !== undefined && !(timeout > 0)) throw new RangeError(`defineTask("${name}"): timeout must be > 0 ms, got ${timeout}`);
  const concurrency = options.concurrency;
  if (concurrency !== undefined && !(concurrency >= 1)) throw new RangeError(`defineTask("${name}"): concurrency must be >= 1, got ${concurrency}`);
  const rateLimit = options.rateLimit;
  if (rateLimit !== undefined) {
    if (!(Number.isInteger(rateLimit.limit) && rateLimit.limit >= 1)) throw new RangeError(`defineTask("${name}"): rateLimit.limit must be a whole number >= 1, got ${rateLimit.limit}`);
    if (!(Number.isInteger(rateLimit.intervalMs) && rateLimit.intervalMs >= 1)) throw new RangeError(`defineTask("${name}"): rateLimit.intervalMs must be a whole number of ms >= 1, got ${rateLimit.intervalMs}`);
    if (rateLimit.key !== undefined && typeof rateLimit.key !== 'function') throw new TypeError(`defineTask("${name}"): rateLimit.key must be a function of the payload`);
  }
  const group = options.group;
  if (group !== undefined) {
    if (typeof group.key !== 'function') throw new TypeError(`defineTask("${name}"): group.key must be a function of the payload`);
    const limit = group.concurrency;
    if (limit !== undefined && !(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) throw new RangeError(`defineTask("${name}"): group.concurrency must be a whole number >= 1, got ${limit}`);
  }
  try {
    jobDedupeOf(options.dedupe);
  } catch (error) {
    throw new RangeError(`defineTask("${name}"): ${(error as Error).message.replace(/^enqueue: /, '')}`);
  }
}

/**
 * Defines a task: a name, a payload schema and a handler. The result can be enqueued durably
 * (`queue.enqueue(task, payload)`), run by a worker, or added as an after-response task.
 * The payload is validated with the schema (any Standard Schema: zod, valibot, arktype) at
 * enqueue and again when the job runs.
 *
 * Defaults: `retries` 3, `backoff` exponential from 1 s doubling to at most 1 h with full jitter,
 * no `timeout`, unbounded per-task `concurrency` (the worker's own limit still applies).
 *
 * @example
 * const sendWelcome = defineTask('send-welcome', {
 *   schema: z.object({ email: z.email() }),
 *   retries: 5,
 *   timeout: 30_000,
 *   handler: async ({ email }, { signal }) => mailer.send({ to: email, signal }),
 * })
 */
export function defineTask<Payload = unknown, Result = unknown, Input = Payload>(name: string, options: TaskOptions<Payload, Result, Input>): TaskDefinition<Payload, Result, Input> {
  checkOptions(name, options as TaskOptions<unknown, unknown, unknown>);
  const frozen = Object.freeze({ ...options });
  const schema = frozen.schema;
  return Object.freeze({
    kind: 'errand:task',
    name,
    options: frozen,
    async parse(payload: unknown): Promise<Payload> {
      if (schema === undefined) return payload as Payload;
      const result = await schema['~standard'].validate(payload);
      if (result.issues !== undefined) throw new PayloadInvalidError(name, fieldErrorsFromIssues(result.issues, 'payload'));
      return result.value;
    },
  } as const);
}
