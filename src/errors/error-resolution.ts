import type { Logger } from 'pino';
import { coerceError } from './coerce-error.js';
import type { ErrorHandler, HandleInput, HandlerResult } from './error-handler.js';
import type { ErrorMode } from './error-mode.js';
import type { HttpErrorInfo } from './http-error-info.js';
import { hiddenDetail, problemFromError } from './problem-from-error.js';
import type { ProblemDetails } from './problem-details.js';
import { isErrorStatus, reasonPhrase } from './reason-phrases.js';
import type { RefusalLog } from './refusal-log.js';
import { renderProblem } from './render-problem.js';
import { isErrandError } from './errand-error.js';
import { isExpectedCode } from './error-codes.js';

/** What a resolution needs from its registry. */
export interface ResolutionSettings {
  /** The registry's logger: where handler failures go when the request has none. */
  readonly logger: Logger;
  /** Log level of client errors (4xx). */
  readonly clientLevel: 'info' | 'debug' | 'warn';
  /** Where expected refusals (ERRAND_OVERLOADED, ERRAND_SHUTTING_DOWN) are logged, throttled. */
  readonly refusals: RefusalLog;
}

/** The fixed 500 problem sent when everything else failed; it cannot throw. */
export function lastResort(requestId: string): Response {
  try {
    const body = `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":${JSON.stringify(hiddenDetail)},"code":"ERRAND_HANDLER_FAILED","requestId":${JSON.stringify(requestId)}}`;
    return new Response(body, { status: 500, headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId } });
  } catch {
    return new Response(null, { status: 500 });
  }
}

/**
 * One error being turned into a response, and the context its handlers receive (`request`,
 * `requestId`, `logger`, `mode`, `status`, `headers`, `problem`, `render`, plus the adapter's
 * `extra`). One object per error and no closure per error: at thousands of errors a second (a 404
 * flood), what each error allocates is what the garbage collector pays for. The problem and the
 * bound `render` are made on first use: a handler answering with its own `Response` needs neither.
 */
export class ErrorResolution<Extra extends object> {
  readonly requestId: string;
  readonly logger: Logger;
  readonly mode: ErrorMode;
  readonly status: number;
  readonly #error: Error;
  readonly #info: HttpErrorInfo | undefined;
  readonly #input: HandleInput<Extra>;
  readonly #instance: string;
  readonly #settings: ResolutionSettings;
  #handlers: readonly ErrorHandler<Error, Extra>[] = [];
  #problem: ProblemDetails | undefined;
  #render: ((problem?: ProblemDetails, headers?: Record<string, string>) => Response) | undefined;
  #headers: Record<string, string> | undefined;

  constructor(error: Error, info: HttpErrorInfo | undefined, input: HandleInput<Extra>, logger: Logger, settings: ResolutionSettings) {
    this.#error = error;
    this.#info = info;
    this.#input = input;
    this.#settings = settings;
    this.requestId = input.requestId;
    this.logger = logger;
    this.mode = input.mode;
    this.status = info?.status ?? 500;
    this.#instance = input.instance ?? new URL(this.request.url).pathname;
  }

  /**
   * The headers errand sends with this error: the error's own (`Allow`, `Retry-After`…) and
   * `X-Request-Id`. Built on first read: a handler answering with its own `Response` on an adapter
   * that already wrote the id (Hono under `serve()`) never needs them.
   */
  get headers(): Record<string, string> {
    if (this.#headers !== undefined) return this.#headers;
    const own = this.#info?.headers;
    // Object.assign, not a spread followed by a key: V8's slow path on Node 20 (see render-problem.ts).
    return (this.#headers = own === undefined ? { 'x-request-id': this.requestId } : Object.assign({}, own, { 'x-request-id': this.requestId }));
  }

  /** The failed request, read from the input only when asked for (an adapter may build it on demand). */
  get request(): Request {
    return this.#input.request;
  }

  /** The problem errand would send (already safe for `mode`), built on first read. */
  get problem(): ProblemDetails {
    return (this.#problem ??= problemFromError(this.#error, { mode: this.mode, instance: this.#instance, requestId: this.requestId }, this.#info).problem);
  }

  /** Renders a problem (the default one when omitted) in the configured format; safe to destructure. */
  get render(): (problem?: ProblemDetails, headers?: Record<string, string>) => Response {
    return (this.#render ??= (problem, headers) => this.#renderProblem(problem ?? this.problem, headers));
  }

  /**
   * Tries `handlers` in order; synchronous until a handler returns a promise. Never throws: the
   * last resort is the built-in problem, then a fixed 500.
   */
  resolve(handlers: readonly ErrorHandler<Error, Extra>[]): Response | Promise<Response> {
    if (handlers.length === 0) return this.#fallback();
    this.#handlers = handlers;
    // The adapter's glue (Hono's `c`) on the context itself: spreading it into a new object per
    // error was the costliest line of the old code.
    Object.assign(this, this.#input.extra);
    return this.#from(0);
  }

  #from(index: number): Response | Promise<Response> {
    const handlers = this.#handlers;
    const context = this as unknown as Parameters<ErrorHandler<Error, Extra>>[1];
    for (let i = index; i < handlers.length; i++) {
      try {
        const result = handlers[i](this.#error, context);
        if (isThenable(result)) return this.#later(result, i + 1);
        const response = this.#answer(result);
        if (response !== undefined) return response;
      } catch (handlerError) {
        this.#handlerFailed(handlerError);
      }
    }
    return this.#fallback();
  }

  async #later(pending: PromiseLike<HandlerResult>, next: number): Promise<Response> {
    try {
      let result: HandlerResult;
      try {
        result = await pending;
      } catch (handlerError) {
        this.#handlerFailed(handlerError);
        return await this.#from(next);
      }
      try {
        const response = this.#answer(result);
        if (response !== undefined) return response;
      } catch (handlerError) {
        this.#handlerFailed(handlerError);
      }
      return await this.#from(next);
    } catch (fatal) {
      return this.fail(fatal);
    }
  }

  // A handler's answer as a response, or undefined when it declined.
  #answer(result: HandlerResult): Response | undefined {
    if (result === undefined) return undefined;
    if (isResponse(result)) {
      this.#logOutcome(result.status);
      const own = this.#info?.headers;
      if (this.#input.requestIdSent === true) return own === undefined ? result : withHeaders(result, own);
      return withHeaders(result, this.headers);
    }
    const problem = this.problem;
    const merged = mergeProblem(problem, result);
    this.#logOutcome(merged.status);
    return this.#renderProblem(merged, undefined);
  }

  #fallback(): Response {
    const problem = this.problem;
    this.#logOutcome(problem.status);
    try {
      return this.#renderProblem(problem, undefined);
    } catch (renderError) {
      // Typically ERRAND_ENCODING_FAILED (a cycle in an extension): answer a plain safe 500.
      const failure = coerceError(renderError);
      this.logger.error({ requestId: this.requestId, code: 'ERRAND_ENCODING_FAILED', err: failure }, 'the error response could not be rendered');
      return this.#renderProblem(problemFromError(failure, { mode: 'production', instance: this.#instance, requestId: this.requestId }).problem, undefined);
    }
  }

  #renderProblem(problem: ProblemDetails, extraHeaders: Record<string, string> | undefined): Response {
    const headers = extraHeaders === undefined ? this.headers : Object.assign({}, this.headers, extraHeaders);
    const format = this.#input.format;
    // Only a formatter function reads the context: the request is not asked for otherwise.
    const context = typeof format === 'function' ? { error: this.#error, request: this.request, requestId: this.requestId } : { error: this.#error, requestId: this.requestId };
    return renderProblem(problem, { format, headers, context });
  }

  #handlerFailed(handlerError: unknown): void {
    this.logger.error({ requestId: this.requestId, code: 'ERRAND_HANDLER_FAILED', err: coerceError(handlerError) }, 'an error handler threw; trying the next one');
  }

  /** The last-resort 500, logged on the registry's logger. */
  fail(fatal: unknown): Response {
    return failResponse(this.#settings.logger, this.requestId, fatal);
  }

  // Logged once, after the handlers decided, with the status actually sent: a handler that turns an
  // unexpected error into a 418 is a client error, not a 500. The logger carries the request id.
  #logOutcome(status: number): void {
    try {
      const level = this.#settings.clientLevel;
      const log = this.logger;
      if (status < 500 && !log.isLevelEnabled(level)) return;
      const problem = this.problem;
      const fields = { status, code: status === problem.status ? problem.code : undefined, instance: problem.instance };
      const error = this.#error;
      if (status >= 500 && isErrandError(error) && fields.code === error.code && isExpectedCode(error.code)) {
        this.#settings.refusals.refused(log, { status, code: error.code, instance: fields.instance }, `request refused: ${error.message}`);
      } else if (status >= 500) log.error({ ...fields, err: this.#error }, `request failed: ${this.#error.message}`);
      else log[level](fields, `request rejected: ${reasonPhrase(status)}`);
    } catch {
      // A broken logger must not turn an error response into a crash.
    }
  }
}

/** Logs what broke the error handling itself and answers the fixed 500. Never throws. */
export function failResponse(logger: Logger, requestId: string, fatal: unknown): Response {
  try {
    logger.error({ requestId, code: 'ERRAND_HANDLER_FAILED', err: coerceError(fatal) }, 'error handling failed; sent the last-resort 500');
  } catch {
    // Nothing left to report to.
  }
  return lastResort(requestId);
}

// A handler's partial problem wins; when it changes the status, the original title and errand code
// described another status and are dropped unless the handler gave its own.
function mergeProblem(problem: ProblemDetails, result: Partial<ProblemDetails>): ProblemDetails {
  const status = isErrorStatus(result.status) ? result.status : problem.status;
  if (status === problem.status) return { ...problem, ...result, status };
  const { code: _code, title: _title, ...rest } = problem;
  return { ...rest, title: reasonPhrase(status), ...result, status };
}

function isResponse(value: unknown): value is Response {
  return value instanceof Response || (typeof value === 'object' && value !== null && typeof (value as Response).arrayBuffer === 'function' && (value as Response).headers instanceof Headers);
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  let result = response;
  for (const [name, value] of Object.entries(headers)) {
    if (result.headers.has(name)) continue;
    try {
      result.headers.set(name, value);
    } catch {
      // Immutable headers (a fetch() response): copy it once, then set.
      result = new Response(result.body, result);
      result.headers.set(name, value);
    }
  }
  return result;
}

function isThenable(value: unknown): value is PromiseLike<HandlerResult> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
