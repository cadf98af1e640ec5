import type { AppTransaction } from './backend.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';

/** What a task handler receives besides its payload. */
export interface TaskContext {
  /** The durable job id, or `inline:<uuid>` when the task runs after a response. */
  jobId: string;
  /** 1-based attempt number (always 1 after a response). */
  attempt: number;
  /** Aborted on timeout, cancellation and shutdown. Pass it to fetch, streams, timers. */
  signal: AbortSignal;
  /** Records progress (a number 0..100 or any JSON value); a no-op after a response. */
  progress(value: unknown): Promise<void>;
}

/** How long to wait before retry number `attempt` (1-based) after a failed attempt. */
export type BackoffOption =
  | {
      type: 'exponential';
      /** Delay before the first retry; doubles with each retry. @default 1000 */
      delayMs?: number;
      /** @default 3_600_000 */
      maxDelayMs?: number;
      /** `true` or `'full'`: uniform in [0, delay]; `'decorrelated'`: uniform in [delayMs, 3 × previous]; `false`: none. @default true */
      jitter?: boolean | 'full' | 'decorrelated';
    }
  | { type: 'fixed'; delayMs: number }
  | ((attempt: number, error: Error) => number);

/** Options of `defineTask`. */
export interface TaskOptions<Payload, Result> {
  /** Standard Schema (zod, valibot, arktype…) checked at enqueue and again at run. */
  schema?: StandardSchemaV1<unknown, Payload>;
  handler: (payload: Payload, context: TaskContext) => Result | Promise<Result>;
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** @default { type: 'exponential', delayMs: 1000, maxDelayMs: 3_600_000, jitter: true } */
  backoff?: BackoffOption;
  /** Per-attempt timeout in ms; the signal aborts at the deadline. @default undefined (none) */
  timeout?: number;
  /** Most attempts of this task running at once in one worker process. @default Infinity */
  concurrency?: number;
}

/**
 * A task made with `defineTask`: a name, a validated payload type and a handler. The same value can
 * run after a response (`c.var.background.add(task, payload)`) or durably (`queue.enqueue(task, payload)`).
 */
export interface TaskDefinition<Payload = unknown, Result = unknown> {
  /** Brand recognised across duplicate copies of the package (no bare instanceof). */
  readonly kind: 'errand:task';
  readonly name: string;
  readonly options: Readonly<TaskOptions<Payload, Result>>;
  /** Validates and returns the payload; throws ErrandError('ERRAND_JOB_PAYLOAD_INVALID') with `errors[]`. */
  parse(payload: unknown): Promise<Payload>;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** Run no sooner than this many ms from now. */
  delay?: number;
  /** Run no sooner than this time (Date or epoch ms). Exclusive with `delay`. */
  runAt?: Date | number;
  /** Lower runs sooner; 0 is the most urgent. @default 0 */
  priority?: number;
  /** Deduplication key: while an unfinished job has it, enqueue returns that job's id. */
  key?: string;
  /**
   * The app's open database transaction: the job is stored with it and exists if and only if it
   * commits. Postgres: a node-postgres client inside BEGIN, a Kysely or Drizzle transaction;
   * SQLite: the app's database handle inside a transaction on the queue's file. Redis: use an
   * outbox. Other backends reject with ERRAND_TX_UNSUPPORTED.
   * @example await db.transaction().execute(async (trx) => { await trx.insertInto('orders')…; await queue.enqueue(ship, { id }, { tx: trx }) })
   */
  tx?: AppTransaction;
}

/** Anything that can put a defined task on the durable queue (the queue made by `createQueue`). */
export interface Enqueuer {
  enqueue<Payload>(task: TaskDefinition<Payload, unknown>, payload: Payload, options?: EnqueueOptions): Promise<string>;
}

/** Whether `value` is a task made with `defineTask`. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'errand:task';
}
