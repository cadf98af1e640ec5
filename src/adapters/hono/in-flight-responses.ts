import type { IncomingMessage } from 'node:http';
import { RequestIdResponse, type HeaderArg } from './request-id-response.js';

/**
 * The responses one server has in flight, counted by the response class itself: a listener and a
 * closure per request (what `serve()` did before) cost 1,100 instructions of a 73,000-instruction
 * GET (callgrind). Once `closing`, every response that writes its head says `Connection: close`,
 * so keep-alive clients move on.
 */
export class InFlightResponses {
  /** Responses made and not yet closed. */
  count = 0;
  /** Set by the shutdown: new heads say `Connection: close`, closes are counted. */
  closing = false;
  /** Responses that closed after the shutdown began. */
  closedDuringShutdown = 0;
  #onIdle: (() => void) | undefined;

  /** The `ServerResponse` class for the server (`serverOptions: { ServerResponse }`). */
  readonly Response: typeof RequestIdResponse = responseClassFor(this);

  /** Calls `done` once no response is in flight (at once when none is). */
  whenIdle(done: () => void): void {
    if (this.count === 0) done();
    else this.#onIdle = done;
  }

  /** Called by the response class when one of its responses closed. */
  closed(): void {
    this.count--;
    if (this.closing) this.closedDuringShutdown++;
    if (this.count === 0) this.#onIdle?.();
  }
}

// A class per server, counting on that server's counter: Node constructs it with the request only.
function responseClassFor(inFlight: InFlightResponses): typeof RequestIdResponse {
  return class InFlightResponse<Request extends IncomingMessage = IncomingMessage> extends RequestIdResponse<Request> {
    // Node passes options after the request (`highWaterMark`…) that @types/node does not declare:
    // a rest parameter hands them all on.
    constructor(...args: [Request]) {
      super(...args);
      inFlight.count++;
    }

    override writeHead(statusCode: number, reason?: string | HeaderArg, headers?: HeaderArg): this {
      // Node then writes `Connection: close` itself and closes the socket after the response.
      if (inFlight.closing) this.shouldKeepAlive = false;
      // RequestIdResponse reads the arguments as Node does.
      return super.writeHead(statusCode, reason, headers);
    }

    // Node emits 'close' once per response, after its end was written or when the connection dropped.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'close') inFlight.closed();
      return super.emit(event, ...args);
    }
  };
}
