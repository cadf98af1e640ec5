import type { Server, ServerResponse } from 'node:http';

/**
 * The requests a Node HTTP server has in flight, seen through its public `'request'` event and each
 * response's `'close'`. Once {@link InFlightRequests.closing} is set, every response whose head is
 * not written yet says `Connection: close`, so keep-alive clients move on.
 */
export class InFlightRequests {
  readonly #open = new Set<ServerResponse>();
  #closing = false;
  #closedDuringShutdown = 0;
  #onIdle: (() => void)[] = [];

  /** Starts counting the server's requests (call it before the server listens). */
  constructor(server: Pick<Server, 'on'>) {
    server.on('request', (_request, response: ServerResponse) => {
      this.#open.add(response);
      if (this.#closing) response.setHeader('Connection', 'close');
      response.once('close', () => this.#closed(response));
    });
  }

  /** Requests whose response has not closed yet. */
  get count(): number {
    return this.#open.size;
  }

  /** Responses that closed after {@link closing} began. */
  get closedDuringShutdown(): number {
    return this.#closedDuringShutdown;
  }

  /** From now on responses say `Connection: close` (those in flight too, if their head is not written). */
  closing(): void {
    this.#closing = true;
    for (const response of this.#open) if (!response.headersSent) response.setHeader('Connection', 'close');
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onIdle.push(resolve));
  }

  #closed(response: ServerResponse): void {
    this.#open.delete(response);
    if (this.#closing) this.#closedDuringShutdown++;
    if (this.#open.size > 0) return;
    const waiting = this.#onIdle;
    this.#onIdle = [];
    for (const resolve of waiting) resolve();
  }
}
