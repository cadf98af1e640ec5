import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrandError } from '../../errors/errand-error.js';
import { defaultErrorMode, type ErrorMode } from '../../errors/error-mode.js';
import { problemFromError } from '../../errors/problem-from-error.js';
import { reasonPhrase } from '../../errors/reason-phrases.js';
import { renderedProblem, type ProblemFormat, type RenderedProblem } from '../../errors/render-problem.js';
import { defaultLogger } from '../../logging/default-logger.js';
import { newRequestId } from '../hono/request-id.js';

/** What refusals are logged to: any errand or pino logger (`debug` is optional). */
export interface ClientErrorLogger {
  warn(object: object, message: string): void;
  debug?(object: object, message: string): void;
}

/**
 * Options of {@link answerClientErrors} (and of the Hono `serve()` option `clientErrors`). The
 * object `errand(app)` returns carries `mode`, `format` and `logger`, so it can be passed as it is.
 */
export interface ClientErrorOptions {
  /** `debug` adds Node's parser code and message to `detail`; `production` never sends them. @default defaultErrorMode() (debug when NODE_ENV is development or test) */
  mode?: ErrorMode;
  /** Error body shape, as `errand(app, { format })`. @default 'problem' */
  format?: ProblemFormat;
  /** Where each refusal is logged once, at `warn` (at `debug` when the client was already gone). @default defaultLogger(): errand's JSON logger */
  logger?: ClientErrorLogger;
  /** The header that carries the new request id. @default 'X-Request-Id' */
  requestIdHeader?: string;
  /** Makes the refusal's request id (the request's own headers are not trusted: the parser refused them). @default newRequestId */
  generateRequestId?: () => string;
}

/** What a client error event carries (Node's parser errors are `HPE_*`; a timeout is `ERR_HTTP_REQUEST_TIMEOUT`). */
type ClientError = Error & { code?: unknown };

// Node's own answers (lib/_http_server.js, socketOnError): 431 for a header overflow, 413 for chunk
// extensions over its limit, 408 for a request timeout, 400 for every other parser error.
type ClientErrorCode = 'ERRAND_MALFORMED_REQUEST' | 'ERRAND_HEADERS_TOO_LARGE' | 'ERRAND_CHUNK_EXTENSIONS_TOO_LARGE' | 'ERRAND_REQUEST_TIMEOUT';

const errandCodes: Readonly<Record<string, ClientErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'ERRAND_HEADERS_TOO_LARGE',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'ERRAND_CHUNK_EXTENSIONS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'ERRAND_REQUEST_TIMEOUT',
};

// Fixed texts: what a client may read in production, whatever the parser said.
const details: Readonly<Record<ClientErrorCode, string>> = {
  ERRAND_HEADERS_TOO_LARGE: 'the request headers are too large or too many for the server',
  ERRAND_CHUNK_EXTENSIONS_TOO_LARGE: 'the chunk extensions of the request body are too large',
  ERRAND_REQUEST_TIMEOUT: 'the request was not received in time',
  ERRAND_MALFORMED_REQUEST: 'the request is not valid HTTP/1.1 and was refused before routing',
};

/** The errand code for a client error event: a parser error's own, else `ERRAND_MALFORMED_REQUEST`. */
export function clientErrorCode(error: ClientError): ClientErrorCode {
  return typeof error.code === 'string' && Object.hasOwn(errandCodes, error.code) ? errandCodes[error.code] : 'ERRAND_MALFORMED_REQUEST';
}

/**
 * Answers the requests Node's HTTP parser refuses, on their socket, with errand's problem (a new
 * request id in the body and its header, `Connection: close`), and logs each once. Not part of the
 * public API: {@link answerClientErrors} and Fastify's `clientErrorHandler` use it.
 */
export class ClientErrorAnswer {
  readonly #mode: ErrorMode;
  readonly #format: ProblemFormat;
  readonly #logger: ClientErrorLogger;
  readonly #header: string;
  readonly #generate: () => string;
  // The response a socket is serving, to tell whether raw bytes would land inside one (Node's own check).
  readonly #responses = new WeakMap<Duplex, ServerResponse>();

  constructor(options: ClientErrorOptions = {}) {
    this.#mode = options.mode ?? defaultErrorMode();
    this.#format = options.format ?? 'problem';
    this.#logger = options.logger ?? defaultLogger();
    this.#header = options.requestIdHeader ?? 'X-Request-Id';
    this.#generate = options.generateRequestId ?? newRequestId;
  }

  /** Follows the server's requests (its public `'request'` event), so a response in progress is never written into. */
  watch(server: Pick<Server, 'on'>): void {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#responses.set(request.socket, response);
    });
  }

  /** The `'clientError'` listener. Never throws. */
  answer(error: ClientError, socket: Duplex): void {
    const parserCode = typeof error.code === 'string' ? error.code : undefined;
    const inFlight = this.#responses.get(socket);
    // Node's docs: nothing can be written to a reset or closed socket; a response whose head is out
    // would be corrupted by a second one (Node itself then only destroys the socket).
    const started = inFlight !== undefined && !inFlight.writableFinished && inFlight.headersSent;
    if (parserCode === 'ECONNRESET' || !socket.writable || started) {
      this.#log('debug', { parserCode, answered: false }, 'a client error on a connection that can no longer be answered; closed it');
      socket.destroy();
      return;
    }
    const code = clientErrorCode(error);
    const requestId = this.#generate();
    const rendered = this.#render(code, requestId, error);
    // Ended, then destroyed once the bytes are out: the server keeps no half-open socket for a client that never closes.
    socket.end(head(rendered) + rendered.body, () => socket.destroy());
    this.#log('warn', { requestId, status: rendered.status, code, parserCode }, `request refused by Node's HTTP parser: ${reasonPhrase(rendered.status)}`);
  }

  #render(code: ClientErrorCode, requestId: string, cause: ClientError): RenderedProblem {
    const detail = details[code];
    const shown = this.#mode === 'debug' ? `${detail} (${String(cause.code)}: ${cause.message})` : detail;
    const error = new ErrandError(code, shown);
    const headers = { [this.#header]: requestId, connection: 'close' };
    // Production's problem in both modes: debug's stack would be errand's own, of no use; the parser's words are in `detail`.
    const { problem } = problemFromError(error, { mode: 'production', requestId });
    try {
      return renderedProblem(problem, { format: this.#format, headers, context: { error, requestId } });
    } catch {
      // A user formatter that throws, or a request id header that cannot be sent: errand's own shape.
      return renderedProblem(problem, { headers: { 'x-request-id': requestId, connection: 'close' }, context: { error, requestId } });
    }
  }

  #log(level: 'warn' | 'debug', fields: object, message: string): void {
    try {
      if (level === 'warn') this.#logger.warn(fields, message);
      else this.#logger.debug?.(fields, message);
    } catch {
      // A broken logger must not turn a refused request into a crash.
    }
  }
}

function head(rendered: RenderedProblem): string {
  let text = `HTTP/1.1 ${rendered.status} ${reasonPhrase(rendered.status)}\r\n`;
  for (const name in rendered.headers) text += `${name}: ${rendered.headers[name]}\r\n`;
  return `${text}content-length: ${Buffer.byteLength(rendered.body)}\r\n\r\n`;
}

const answered = new WeakSet<object>();

/**
 * Answers every request Node's HTTP parser refuses (a malformed request line or header, a header
 * block over `maxHeaderSize`, a bad `Content-Length`, a malformed chunk, a request timeout) with
 * errand's problem instead of Node's bare status line: `status`, `title`, a stable `code`
 * (`ERRAND_MALFORMED_REQUEST` 400, `ERRAND_HEADERS_TOO_LARGE` 431, `ERRAND_CHUNK_EXTENSIONS_TOO_LARGE`
 * 413, `ERRAND_REQUEST_TIMEOUT` 408), a new `requestId` (also in `X-Request-Id`) and
 * `Connection: close`. Production never sends the parser's message nor the raw bytes. Each refusal
 * is logged once at `warn` with its id; a client error on a connection that can no longer be
 * answered (reset, closed, a response already started) is closed and logged at `debug`.
 *
 * It listens on the server's public `'clientError'` and `'request'` events; call it once per server,
 * and add no other `'clientError'` listener (both would answer). Hono's `serve()` calls it for you;
 * on Fastify pass `clientErrorHandler` to `Fastify()` instead (Fastify listens on `'clientError'` itself).
 *
 * @example
 * const app = express();
 * const installed = errand(app, { mode: 'production' });
 * const server = app.listen(3000);
 * answerClientErrors(server, installed); // mode, format and logger of errand(app)
 */
export function answerClientErrors(server: Pick<Server, 'on'>, options: ClientErrorOptions = {}): void {
  if (answered.has(server)) return;
  answered.add(server);
  const answer = new ClientErrorAnswer(options);
  answer.watch(server);
  server.on('clientError', (error: ClientError, socket: Duplex) => answer.answer(error, socket));
}
