import { isErrandError } from '../errors/errand-error.js';
import { coerceError } from '../errors/coerce-error.js';
import type { JobBackend } from './backend.js';
import type { ActiveJob } from './worker-active-job.js';

/** What happened to one completion. */
export type CompletionOutcome = 'stored' | 'lease-lost' | 'failed';

/**
 * Collects the completions of handlers that finished in the same turn of the event loop and hands
 * them to the backend in one `completeMany` call (one transaction on SQLite), or one `complete`
 * each when the backend has no batch form. This, with batched claims, is what makes no-op jobs
 * cheap: the cost of a round trip is shared by the whole batch. A full batch goes out at once;
 * a partial one at the end of the turn (setImmediate).
 *
 * The active jobs themselves are the completions (`lease`, `result`), and each outcome is handed
 * to `onSettled`: no promise or object per job.
 */
export class CompletionBatcher {
  readonly #backend: JobBackend;
  readonly #maxBatch: number;
  readonly #onError: (error: Error) => void;
  readonly #onSettled: (active: ActiveJob, outcome: CompletionOutcome) => void;
  #pending: ActiveJob[] = [];
  #scheduled = false;
  #inFlight = new Set<Promise<void>>();

  constructor(backend: JobBackend, maxBatch: number, onError: (error: Error) => void, onSettled: (active: ActiveJob, outcome: CompletionOutcome) => void) {
    this.#backend = backend;
    this.#maxBatch = Math.max(1, maxBatch);
    this.#onError = onError;
    this.#onSettled = onSettled;
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
    const backend = this.#backend;
    if (backend.completeMany !== undefined) {
      let stored: boolean[];
      try {
        stored = await backend.completeMany(batch);
      } catch (thrown) {
        this.#onError(coerceError(thrown));
        for (const item of batch) this.#settle(item, 'failed');
        return;
      }
      for (let index = 0; index < batch.length; index += 1) this.#settle(batch[index], stored[index] === true ? 'stored' : 'lease-lost');
      return;
    }
    await Promise.all(
      batch.map(async (item) => {
        try {
          await backend.complete(item.lease, item.result);
          this.#settle(item, 'stored');
        } catch (thrown) {
          if (isErrandError(thrown, 'ERRAND_LEASE_LOST')) return this.#settle(item, 'lease-lost');
          this.#onError(coerceError(thrown));
          this.#settle(item, 'failed');
        }
      }),
    );
  }
}
