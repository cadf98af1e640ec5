/**
 * A minimal typed event emitter, shared by the durable worker and the after-response runner. A
 * listener that throws is reported through `onListenerError` and never disturbs the emitter or the
 * other listeners; `has()` lets hot paths skip building an event nobody listens to.
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();
  readonly #onListenerError: (error: unknown, event: keyof Events) => void;

  constructor(onListenerError: (error: unknown, event: keyof Events) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Whether anyone listens to `event`. */
  has(event: keyof Events): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
