import { isErrandError } from '../errors/errand-error.js';
import { coerceError } from '../errors/coerce-error.js';
import type { JobBackend } from './backend.js';
import { maySettleAgain, settleRetryDelay } from './settle-retry.js';
import type { ActiveJob } from './worker-active-job.js';
import type { WorkerLogger } from './worker-logger.js';
import { sleep } from './worker-timers.js';

/** What happened to one completion. */
export type CompletionOutcome = 'stored' | 'lease-lost' | 'failed';

/** Options of {@link CompletionBatcher}. */
export interface CompletionBatcherOptions {
  backend: JobBackend;
  /** The most completions in one `completeMany` call (at least 1). */
  maxBatch: number;
  /** Told every error the backend answered (each refused try of a batch included) and every throw of `onSettled`. */
  onError: (error: Error) => void;
  /** Told each completion's outcome, once. */
  onSettled: (active: ActiveJob, outcome: CompletionOutcome) => void;
  /** Where each new try of a refused batch is logged (`warn`, with the jobs' ids). */
  logger: WorkerLogger;
  /** Aborted when the worker's stop deadline has passed: a refused batch is not tried again then. */
  pastDeadline: AbortSignal;
}

/**
 * Collects the completions of handlers that finished in the same turn of the event loop and hands
 * them to the backend in one `completeMany` call (one transaction on SQLite), or one `complete`
 * each when the backend has no batch form. This, with batched claims, is what makes no-op jobs
 * cheap: the cost of a round trip is shared by the whole batch. A full batch goes out at once;
 * a partial one at the end of the turn (setImmediate).
 *
 * A batch the backend refuses transiently (ERRAND_BACKEND_UNAVAILABLE) is tried again as a failed
 * settlement is (`settleRetryDelay`: 50 ms doubling to 1 s, jittered), each completion while this
 * worker still holds the lease it held when the batch was first refused and the stop deadline has
 * not passed: a completion lost costs a run of the job again once its lease lapses. Each refused
 * try is reported (`onError`) and logged; a completion given up on is settled `failed`.
 *
 * The active jobs themselves are the completions (`lease`, `result`), and each outcome is handed
 * to `onSettled`: no promise or object per job.
 */
export class CompletionBatcher {
  readonly #backend: JobBackend;
  readonly #maxBatch: number;
  readonly #onError: (error: Error) => void;
  readonly #onSettled: (active: ActiveJob, outcome: CompletionOutcome) => void;
  readonly #logger: WorkerLogger;
  readonly #pastDeadline: AbortSignal;
  #pending: ActiveJob[] = [];
  #scheduled = false;
  #inFlight = new Set<Promise<void>>();

  constructor(options: CompletionBatcherOptions) {
    this.#backend = options.backend;
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#onError = options.onError;
    this.#onSettled = options.onSettled;
    this.#logger = options.logger;
    this.#pastDeadline = options.pastDeadline;
  }

  /** Queues the completion of a job whose `result` is set; its outcome goes to `onSettled`. */
  add(active: ActiveJob): void {
    this.#pending.push(active);
    if (this.#pending.length >= this.#maxBatch) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /**
   * Sends the completions queued so far now instead of at the end of the turn: the worker calls it
   * after starting a claimed batch, whose synchronous handlers have all finished by then, so the
   * batch's completions reach the backend before the next claim does.
   */
  flush(): void {
    if (this.#pending.length > 0) this.#flush();
  }

  /** Resolves when every queued completion has been answered. */
  async drain(): Promise<void> {
    if (this.#pending.length > 0) this.#flush();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const sending = this.#send(batch).finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  #settle(active: ActiveJob, outcome: CompletionOutcome): void {
    try {
      this.#onSettled(active, outcome);
    } catch (thrown) {
      this.#onError(coerceError(thrown));
    }
  }

  async #send(batch: ActiveJob[]): Promise<void> {
    if (this.#backend.completeMany !== undefined) await this.#sendWithRetries(batch);
    else await Promise.all(batch.map((item) => this.#sendWithRetries([item])));
  }

  /** Stores `batch` and settles each completion, trying again what the backend refused transiently (see the class). */
  async #sendWithRetries(batch: ActiveJob[]): Promise<void> {
    let items = batch;
    // The leases as they stood when the batch was first refused: a heartbeat renewing them meanwhile
    // must not keep a batch that always fails (an SQL error is ERRAND_BACKEND_UNAVAILABLE too) trying for ever.
    let until: number[] | undefined;
    for (let tries = 1; ; tries += 1) {
      let stored: boolean[];
      try {
        stored = await this.#store(items);
      } catch (thrown) {
        this.#onError(coerceError(thrown));
        until ??= items.map((item) => item.lease.leaseUntil);
        const delay = settleRetryDelay(tries);
        const nextTryAt = Date.now() + delay;
        const kept: ActiveJob[] = [];
        const keptUntil: number[] = [];
        for (let index = 0; index < items.length; index += 1) {
          if (!maySettleAgain(thrown, this.#pastDeadline, nextTryAt, until[index])) this.#settle(items[index], 'failed');
          else {
            kept.push(items[index]);
            keptUntil.push(until[index]);
          }
        }
        if (kept.length === 0) return;
        this.#logger.warn({ action: 'complete', jobIds: kept.map((item) => item.job.jobId), tries, retryInMs: delay }, `could not record ${kept.length} completed job(s); trying again while this worker holds their leases`);
        await sleep(delay, this.#pastDeadline);
        items = kept;
        until = keptUntil;
        continue;
      }
      for (let index = 0; index < items.length; index += 1) this.#settle(items[index], stored[index] === true ? 'stored' : 'lease-lost');
      return;
    }
  }

  /** One `completeMany` for `items`, or, on a backend without it, one `complete` for the one item it is handed: stored or not (lease lost) per item. */
  async #store(items: ActiveJob[]): Promise<boolean[]> {
    const backend = this.#backend;
    if (backend.completeMany !== undefined) return backend.completeMany(items);
    const [item] = items;
    try {
      await backend.complete(item.lease, item.result);
      return [true];
    } catch (thrown) {
      if (isErrandError(thrown, 'ERRAND_LEASE_LOST')) return [false];
      throw thrown;
    }
  }
}
