import type { ErrandLogger } from '../logging/errand-logger.js';
import { coerceError } from './coerce-error.js';
import type { ErrorContext, ErrorContextBase, ErrorHandler, HandleInput, HandlerResult } from './error-handler.js';
import type { HttpErrorInfo } from './http-error-info.js';
import { hiddenDetail, problemCode, problemFromError, problemFromInfo } from './problem-from-error.js';
import type { ProblemDetails } from './problem-details.js';
import { isErrorStatus, reasonPhrase } from './reason-phrases.js';
import type { RefusalLog } from './refusal-log.js';
import { problemResponse, renderedProblem, type RenderedProblem } from './render-problem.js';
import { isErrandError } from './errand-error.js';
import { isExpectedCode } from './error-codes.js';
import { DeferredErrorFormatContext, HandlerContext, LazyFormatContext, type ContextSource } from './handler-context.js';

/** What a resolution needs from its registry. */
export interface ResolutionSettings {
  /** The registry's logger: where handler failures go when the request has none. */
  readonly logger: ErrandLogger;
  /** Log level of client errors (4xx). */
  readonly clientLevel: 'info' | 'debug' | 'warn';
  /** Where expected refusals (ERRAND_OVERLOADED, ERRAND_SHUTTING_DOWN) are logged, throttled. */
  readonly refusals: RefusalLog;
}

/**
 * How an error was answered: a web `Response` (a handler's own, or the last resort), errand's own
 * rendered problem (a Node adapter writes it without building a `Response`), or nothing more to
 * send (a handler answered through the host's own objects, e.g. Fastify's `reply`).
 */
export type ErrorAnswer = { kind: 'response'; response: Response } | { kind: 'problem'; problem: RenderedProblem } | { kind: 'sent'; status: number };

/**
 * Tells whether a handler answered through the host's objects (its result is the host's reply, or
 * the response has gone out), reading them from the request's `extra`: the status it sent,
 * otherwise `undefined`. One function per adapter, not one per request.
 */
export type SentByHost = (result: unknown, extra: object) => number | undefined;

/**
 * Puts the adapter's `extra` on a handler context by name (`context.reply = extra.reply`): one
 * function per adapter, whose stores V8 caches, where a copy key by key (the default) goes through
 * V8's megamorphic keyed stores and map transitions on every error.
 */
export type AddExtra = (context: ErrorContextBase, extra: object) => void;

/** An answer as a web `Response`, for `registry.handle` and the Hono adapter. */
export function answerResponse(answer: ErrorAnswer): Response {
  if (answer.kind === 'response') return answer.response;
  if (answer.kind === 'problem') return problemResponse(answer.problem);
  return new Response(null, { status: answer.status });
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

/** An answer now, or later when a handler answered with a promise. */
export type MaybeAnswer = ErrorAnswer | Promise<ErrorAnswer>;

/**
 * Turns one error into a response, as Starlette's exception middleware does: the candidate
 * handlers in order (the first to answer wins; one that declines or throws passes to the next),
 * then errand's own problem, then a fixed 500. Never throws nor rejects. The outcome is logged
 * once, with the status actually sent: a handler that turns an unexpected error into a 418 is a
 * client error. The answer comes back as it is while the handlers answer synchronously, and as a
 * promise from the first handler that returns one: a host that takes either (Hono) does not wait
 * a turn for handlers that answered at once.
 */
export function resolveError<Extra extends object>(
  error: Error,
  info: HttpErrorInfo | undefined,
  handlers: readonly ErrorHandler<Error, Extra>[],
  input: HandleInput<Extra>,
  logger: ErrandLogger,
  settings: ResolutionSettings,
  sentByHost?: SentByHost,
  addExtra?: AddExtra,
): MaybeAnswer {
  try {
    return new Resolution(error, info, handlers, input, logger, settings, sentByHost, addExtra).from(0);
  } catch (fatal) {
    return failAnswer(settings.logger, input.requestId, fatal);
  }
}

// The headers of an error that has none.
const noHeaders: Record<string, string> = Object.freeze({});

/**
 * One error's way through its candidate handlers (a class: one object per error, no closures per
 * step). It is the source its handler context reads the request, the default problem and
 * `render` from, when a handler reads them.
 */
class Resolution<Extra extends object> implements ContextSource {
  readonly status: number;
  readonly instance: string;
  /** What errand adds to the response it sends: the request id only when the adapter did not send it already. Never written to. */
  readonly added: Record<string, string>;
  readonly code: string | undefined;
  readonly base: HandlerContext;
  readonly context: ErrorContext<Extra>;

  constructor(
    readonly error: Error,
    readonly info: HttpErrorInfo | undefined,
    readonly handlers: readonly ErrorHandler<Error, Extra>[],
    readonly input: HandleInput<Extra>,
    readonly logger: ErrandLogger,
    readonly settings: ResolutionSettings,
    readonly sentByHost: SentByHost | undefined,
    addExtra: AddExtra | undefined,
  ) {
    const requestId = input.requestId;
    const status = info?.status ?? 500;
    const headers: Record<string, string> = Object.assign({}, info?.headers);
    headers['x-request-id'] = requestId;
    this.status = status;
    this.instance = input.instance ?? new URL(input.request.url).pathname;
    // Only read (rendering copies it): the error's own headers need no copy.
    this.added = input.requestIdSent === true ? (info?.headers ?? noHeaders) : headers;
    this.code = problemCode(info, status, input.mode === 'debug');
    const base = new HandlerContext(this, requestId, logger, input.mode, status, headers);
    this.base = base;
    // The adapter's extra (Hono: `c`) added to an object of fixed shape: a spread followed by eight
    // properties measured 3× slower than this whole resolution (bench figure in the commit).
    const context = base as unknown as ErrorContext<Extra>;
    if (addExtra !== undefined) addExtra(base, input.extra);
    else for (const key in input.extra) if (!(key in base)) (context as Record<string, unknown>)[key] = input.extra[key];
    this.context = context;
  }

  get request(): Request {
    return this.input.request;
  }

  /** The default problem: built when something reads it (a handler, the default answer), so a handler that answers with its own Response never pays for it. */
  defaultProblem(): ProblemDetails {
    return problemFromError(this.error, { mode: this.input.mode, instance: this.instance, requestId: this.input.requestId }, this.info).problem;
  }

  renderResponse(shown: ProblemDetails, extraHeaders?: Record<string, string>): Response {
    return problemResponse(this.render(shown, extraHeaders));
  }

  /** The candidates from `first` on, in order; a promise from the first handler that returns one. */
  from(first: number): MaybeAnswer {
    try {
      for (let i = first; i < this.handlers.length; i++) {
        let returned: unknown;
        try {
          returned = this.handlers[i](this.error, this.context);
        } catch (handlerError) {
          this.handlerFailed(handlerError);
          continue;
        }
        // A host's reply can be thenable (Fastify's resolves once the response has finished): one
        // already sent is the answer now, not a promise to wait a turn for.
        if (isThenable(returned) && this.sentBy(returned) === undefined) {
          const next = i + 1;
          return Promise.resolve(returned)
            .then(
              (result) => this.answerOf(result as HandlerResult) ?? this.from(next),
              (handlerError: unknown) => {
                this.handlerFailed(handlerError);
                return this.from(next);
              },
            )
            .catch((fatal: unknown) => failAnswer(this.settings.logger, this.input.requestId, fatal));
        }
        const answer = this.answerOf(returned as HandlerResult);
        if (answer !== undefined) return answer;
      }
      return this.fallback();
    } catch (fatal) {
      return failAnswer(this.settings.logger, this.input.requestId, fatal);
    }
  }

  /** A handler's answer, or `undefined` when it declined. The host's reply (Fastify, Express) is recognised before it is read as a problem. */
  answerOf(result: HandlerResult): ErrorAnswer | undefined {
    const sent = this.sentBy(result);
    if (sent !== undefined) {
      this.logOutcome(sent);
      return { kind: 'sent', status: sent };
    }
    if (result === undefined) return undefined;
    if (isResponse(result)) {
      this.logOutcome(result.status);
      return { kind: 'response', response: withHeaders(result, this.added) };
    }
    const merged = mergeProblem(this.base.problem, result);
    this.logOutcome(merged.status);
    return { kind: 'problem', problem: this.render(merged) };
  }

  sentBy(result: unknown): number | undefined {
    return this.sentByHost === undefined ? undefined : this.sentByHost(result, this.input.extra);
  }

  /** errand's own problem, when no handler answered. */
  fallback(): ErrorAnswer {
    this.logOutcome(this.status);
    try {
      return { kind: 'problem', problem: this.render(this.base.problem) };
    } catch (renderError) {
      // Typically ERRAND_ENCODING_FAILED (a cycle in an extension): answer a plain safe 500.
      const failure = coerceError(renderError);
      const requestId = this.input.requestId;
      this.logger.error({ requestId, code: 'ERRAND_ENCODING_FAILED', err: failure }, 'the error response could not be rendered');
      return { kind: 'problem', problem: this.render(problemFromError(failure, { mode: 'production', instance: this.instance, requestId }).problem) };
    }
  }

  render(shown: ProblemDetails, extraHeaders?: Record<string, string>): RenderedProblem {
    const headers = extraHeaders === undefined ? this.added : Object.assign({}, this.added, extraHeaders);
    return renderedProblem(shown, { format: this.input.format, headers, context: new LazyFormatContext(this.error, this.input, this.input.requestId) });
  }

  handlerFailed(handlerError: unknown): void {
    this.logger.error({ requestId: this.input.requestId, code: 'ERRAND_HANDLER_FAILED', err: coerceError(handlerError) }, 'an error handler threw; trying the next one');
  }

  /** Logs the outcome once, with the status `sent` (the default problem's code only when it is the status errand chose). */
  logOutcome(sent: number): void {
    try {
      const { error, instance, settings } = this;
      const log = this.logger;
      const code = sent === this.status ? this.code : undefined;
      if (sent >= 500 && isErrandError(error) && code === error.code && isExpectedCode(error.code)) {
        settings.refusals.refused(log, { status: sent, code: error.code, instance }, `request refused: ${error.message}`);
      } else if (sent >= 500) log.error({ status: sent, code, instance, err: error }, `request failed: ${error.message}`);
      else logRejected(log, settings, sent, code, instance);
    } catch {
      // A broken logger must not turn an error response into a crash.
    }
  }
}

// The one line a client error (4xx) is logged with, at the registry's level for them.
function logRejected(log: ErrandLogger, settings: ResolutionSettings, status: number, code: string | undefined, instance: string): void {
  if (enabled(log, settings.clientLevel)) log[settings.clientLevel]({ status, code, instance }, `request rejected: ${reasonPhrase(status)}`);
}

/**
 * errand's own answer to a client error no handler can see, from what the error says (`info`)
 * and without the error itself, which `build` makes only if the formatter reads it: how a route
 * miss is answered when no handler is registered for it. The same response and log line as
 * {@link resolveError} with no candidate handlers, for a 4xx `info` in production (debug mode adds
 * the error's stack: the caller resolves the error itself then). Throws when rendering fails (the
 * caller resolves the error itself then).
 */
export function defaultAnswer<Extra extends object>(info: HttpErrorInfo, build: () => Error, input: HandleInput<Extra>, logger: ErrandLogger, settings: ResolutionSettings): ErrorAnswer {
  const requestId = input.requestId;
  const instance = input.instance ?? new URL(input.request.url).pathname;
  const problem = problemFromInfo(info, { mode: input.mode, instance, requestId });
  let headers = info.headers ?? noHeaders;
  if (input.requestIdSent !== true) {
    headers = Object.assign({}, info.headers);
    headers['x-request-id'] = requestId;
  }
  const rendered = renderedProblem(problem, { format: input.format, headers, context: new DeferredErrorFormatContext(build, input, requestId) });
  try {
    logRejected(logger, settings, info.status, problem.code, instance);
  } catch {
    // A broken logger must not turn an error response into a crash.
  }
  return { kind: 'problem', problem: rendered };
}

function failAnswer(logger: ErrandLogger, requestId: string, fatal: unknown): ErrorAnswer {
  return { kind: 'response', response: failResponse(logger, requestId, fatal) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function';
}

// Whether the logger would write at `level`: pino says so (`isLevelEnabled`); any other logger is asked to write.
function enabled(log: ErrandLogger, level: string): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return typeof check !== 'function' || check.call(log, level);
}

/** Logs what broke the error handling itself and answers the fixed 500. Never throws. */
export function failResponse(logger: ErrandLogger, requestId: string, fatal: unknown): Response {
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
  for (const name in headers) {
    const value = headers[name];
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
