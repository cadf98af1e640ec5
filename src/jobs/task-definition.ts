import type { AppTransaction } from './backend.js';
import type { DedupeOption } from './dedupe.js';
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

/**
 * Options of `defineTask`. `Payload` is what the handler receives (the schema's output), `Input`
 * what callers pass to `enqueue` and `background.add` (the schema's input: fields with a default
 * are optional there).
 */
export interface TaskOptions<Payload, Result, Input = Payload> {
  /** Standard Schema (zod, valibot, arktype…) checked at enqueue and again at run. */
  schema?: StandardSchemaV1<Input, Payload>;
  handler: (payload: Payload, context: TaskContext) => Result | Promise<Result>;
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** @default { type: 'exponential', delayMs: 1000, maxDelayMs: 3_600_000, jitter: true } */
  backoff?: BackoffOption;
  /** Per-attempt timeout in ms; the signal aborts at the deadline. @default undefined (none) */
  timeout?: number;
  /** Most attempts of this task running at once in one worker process. @default Infinity */
  concurrency?: number;
  /**
   * At most `limit` jobs of this task start per `intervalMs`, across every worker sharing the backend
   * (per `key` of the payload when given). A job over the limit waits for the next window without
   * failing or using an attempt. See docs/jobs.md, "Rate limits". @default undefined (no limit)
   */
  rateLimit?: RateLimit<Input>;
  /**
   * Fair queues: the task's jobs are grouped by `key(payload)` and claims take the groups in turns,
   * so a large backlog of one group does not starve another; `concurrency` caps the jobs of one group
   * running at once across every worker of the backend. See docs/jobs.md, "Fair queues".
   * @default undefined (no groups: jobs are claimed in priority, then due-time order)
   */
  group?: TaskGroup<Input>;
  /**
   * How `key` deduplicates when an enqueue gives a `key` and no `dedupe` of its own: the same modes
   * as {@link EnqueueOptions.dedupe}, given once with the task. An enqueue's own `dedupe` wins; an
   * enqueue without a key is not deduplicated. See docs/jobs.md, "Deduplication".
   * @default 'active'
   * @example defineTask('reindex', { dedupe: { debounce: { delayMs: 2_000 } }, handler })
   */
  dedupe?: DedupeOption;
}

/** A task's fair-queue grouping: the group of each job, and optionally a cap on each group's running jobs. */
export interface TaskGroup<Input = unknown> {
  /** The job's group (a tenant, an account). Gets the payload as enqueued; evaluated once, at enqueue. */
  key: (payload: Input) => string;
  /** Most jobs of one group running at once, across every worker of the backend (whole, >= 1). @default Infinity */
  concurrency?: number;
}

/** A task's rate limit: `limit` starts per `intervalMs`, optionally per key of the payload. */
export interface RateLimit<Input = unknown> {
  /** Jobs allowed to start in one window (whole, >= 1). */
  limit: number;
  /** Window length in ms (whole, >= 1). Windows are aligned to multiples of it since the Unix epoch. */
  intervalMs: number;
  /** A separate limit per key: a tenant, an API account. Gets the payload as enqueued. @default one limit for the task */
  key?: (payload: Input) => string;
}

/**
 * A task made with `defineTask`: a name, a validated payload type and a handler. The same value can
 * run after a response (`c.var.background.add(task, payload)`) or durably (`queue.enqueue(task, payload)`).
 */
export interface TaskDefinition<Payload = unknown, Result = unknown, Input = Payload> extends AnyTask<Input, Result> {
  readonly options: Readonly<TaskOptions<Payload, Result, Input>>;
  /** Validates and returns the payload; throws ErrandError('ERRAND_JOB_PAYLOAD_INVALID') with `errors[]`. */
  parse(payload: unknown): Promise<Payload>;
}

/**
 * Any task made with `defineTask`, whatever its types: what `enqueue` and `background.add` accept,
 * reading the payload type from the task alone ({@link TaskInput}) so that the payload argument is
 * checked against it (and an error points at the payload, not at the task).
 */
export interface AnyTask<Input = unknown, Result = unknown> {
  /** Brand recognised across duplicate copies of the package (no bare instanceof). */
  readonly kind: 'errand:task';
  readonly name: string;
  /** Types only, never set: what the task accepts and what its handler returns. */
  readonly '~types'?: { readonly input: Input; readonly result: Result };
  /** The options enqueueing reads (the handler is left out: its parameter would make this invariant). */
  readonly options: { readonly retries?: number; readonly timeout?: number; readonly schema?: unknown; readonly group?: { readonly key: (payload: never) => string } };
  /** Validates and returns the payload; throws ErrandError('ERRAND_JOB_PAYLOAD_INVALID') with `errors[]`. */
  parse(payload: unknown): Promise<unknown>;
}

/**
 * What `enqueue(task, payload)` and `background.add(task, payload)` accept for a task: its schema's
 * input (defaulted fields optional), or the handler's payload type when the task has no schema.
 * @example
 * const task = defineTask('t', { schema: z.object({ to: z.string(), lang: z.string().default('en') }), handler })
 * type Input = TaskInput<typeof task> // { to: string; lang?: string | undefined }
 */
export type TaskInput<Task extends AnyTask> = Task extends AnyTask<infer Input, unknown> ? Input : never;

/** What a task's handler resolves to: the type of `JobRecord.result` for its jobs. */
export type TaskResult<Task extends AnyTask> = Task extends AnyTask<unknown, infer Result> ? Result : never;

/**
 * A job id that remembers its task's result type, so `queue.get(id)` gives a typed
 * `JobRecord.result`. At run time it is a plain string.
 */
export type JobId<Result = unknown> = string & { readonly '~result'?: Result };

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** Run no sooner than this many ms from now. */
  delay?: number;
  /** Run no sooner than this time (Date or epoch ms). Exclusive with `delay`. */
  runAt?: Date | number;
  /** Lower runs sooner; 0 is the most urgent. @default 0 */
  priority?: number;
  /** Deduplication key: by default, while an unfinished job has it, enqueue stores nothing and returns that job's id (see `dedupe`). */
  key?: string;
  /**
   * How `key` deduplicates: `'active'` (drop while a job with the key is unfinished), `'queued'`
   * (drop while one waits to start), `'replace'` (replace the waiting job's payload) or
   * `{ debounce: { delayMs, maxDelayMs? } }` (one run, `delayMs` after the last enqueue, at most
   * `maxDelayMs` after the first, last payload wins). Needs `key`; debounce excludes `delay` and `runAt`.
   * @default 'active'
   * @example await queue.enqueue(sync, { account }, { key: `sync:${account}`, dedupe: 'replace' })
   */
  dedupe?: DedupeOption;
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
  enqueue<Task extends AnyTask>(task: Task, payload: TaskInput<Task>, options?: EnqueueOptions): Promise<JobId<TaskResult<Task>>>;
}

/** Whether `value` is a task made with `defineTask`. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'errand:task';
}
