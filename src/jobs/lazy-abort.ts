/**
 * An abortable unit of work whose AbortController is made only when someone reads `signal`: most
 * handlers never look at it, and at tens of thousands of jobs or tasks a second (or thousands in
 * flight) the controller is most of their cost. Aborting before the first read records the reason,
 * and the signal is then born aborted with it. Shared by the durable worker's jobs and the
 * after-response runner's tasks; both extend it, so it costs no extra object.
 */
export class LazyAbort {
  #controller: AbortController | undefined = undefined;
  #reason: Error | undefined = undefined;

  /** Whether it was aborted. */
  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  /** The first abort's reason. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** The signal, made on first use (already aborted when the work was). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts; later calls keep the first reason, like AbortController. Returns whether this call was the first. */
  abort(reason: Error): boolean {
    if (this.#reason !== undefined) return false;
    this.#reason = reason;
    this.#controller?.abort(reason);
    return true;
  }
}
