import type { Duplex } from 'node:stream';
import { ClientErrorAnswer, type ClientErrorOptions } from '../node/client-errors.js';

// The answer errand(app) made for each root instance (with its mode, format, logger and request ids).
const answers = new WeakMap<object, ClientErrorAnswer>();
let fallback: ClientErrorAnswer | undefined;

/** Called by `errand(app)`: the instance's client errors are answered with its options; its server's requests are followed. */
export function installClientErrors(app: object, server: Parameters<ClientErrorAnswer['watch']>[0], options: ClientErrorOptions): void {
  const answer = new ClientErrorAnswer(options);
  answer.watch(server);
  answers.set(app, answer);
}

/**
 * Fastify's `clientErrorHandler` option: answers every request Node's HTTP parser refuses (a
 * malformed request line or header, a header block over `maxHeaderSize`, a bad `Content-Length`, a
 * malformed chunk, a request timeout) with errand's problem instead of Fastify's own JSON: a stable
 * `code` (`ERRAND_MALFORMED_REQUEST` 400, `ERRAND_HEADERS_TOO_LARGE` 431,
 * `ERRAND_CHUNK_EXTENSIONS_TOO_LARGE` 413, `ERRAND_REQUEST_TIMEOUT` 408), a new `requestId` (also in
 * `X-Request-Id`) and `Connection: close`, with the mode, format, logger and request id options of
 * the errand installed on the instance (`errand(app, options)`; without one, errand's defaults).
 * Production never sends the parser's message nor the raw bytes; each refusal is logged once at
 * `warn`. Fastify takes it at construction, before `errand(app)` can run, hence a separate export;
 * Fastify calls it with the instance as `this`.
 *
 * @example
 * const app = Fastify({ frameworkErrors, genReqId, clientErrorHandler });
 * errand(app, { mode: 'production' });
 */
export function clientErrorHandler(this: unknown, error: Error, socket: Duplex): void {
  const answer = (typeof this === 'object' && this !== null ? answers.get(this) : undefined) ?? (fallback ??= new ClientErrorAnswer());
  answer.answer(error, socket);
}
