import type { ErrandLogger } from '../logging/errand-logger.js';
import { coerceError } from './coerce-error.js';
import type { ErrorContext, ErrorHandler, HandleInput, HandlerResult } from './error-handler.js';
import type { HttpErrorInfo } from './http-error-info.js';
import { hiddenDetail, problemCode, problemFromError } from './problem-from-error.js';
import type { ProblemDetails } from './problem-details.js';
import { isErrorStatus, reasonPhrase } from './reason-phrases.js';
import type { RefusalLog } from './refusal-log.js';
import { problemResponse, renderedProblem, type RenderedProblem } from './render-problem.js';
import { isErrandError } from './errand-error.js';
import { isExpectedCode } from './error-codes.js';
import { HandlerContext, LazyFormatContext } from './handler-context.js';

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
 * the response has gone out): the status it sent, otherwise `undefined`.
 */
export type SentByHost = (result: unknown) => number | undefined;

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

/**
 * Turns one error into a response, as Starlette's exception middleware does: the candidate
 * handlers in order (the first to answer wins; one that declines or throws passes to the next),
 * then errand's own problem, then a fixed 500. Never rejects. The outcome is logged once, with the
 * status actually sent: a handler that turns an unexpected error into a 418 is a client error.
 */
export async function resolveError<Extra extends object>(
  error: Error,
  info: HttpErrorInfo | undefined,
  handlers: readonly ErrorHandler<Error, Extra>[],
  input: HandleInput<Extra>,
  logger: ErrandLogger,
  settings: ResolutionSettings,
  sentByHost?: SentByHost,
): Promise<ErrorAnswer> {
  const requestId = input.requestId;
  const debug = input.mode === 'debug';
  const status = info?.status ?? 500;
  try {
    const instance = input.instance ?? new URL(input.request.url).pathname;
    const headers: Record<string, string> = Object.assign({}, info?.headers);
    headers['x-request-id'] = requestId;
    // What errand adds to the response it sends: the request id only when the adapter did not send it already.
    const added: Record<string, string> = input.requestIdSent === true ? Object.assign({}, info?.headers) : headers;
    const render = (shown: ProblemDetails, extraHeaders?: Record<string, string>): RenderedProblem =>
      renderedProblem(shown, { format: input.format, headers: extraHeaders === undefined ? added : Object.assign({}, added, extraHeaders), context: new LazyFormatContext(error, input, requestId) });
    // The default problem is built when something reads it (a handler, the default answer): a
    // handler that answers with its own Response never pays for it.
    const base: HandlerContext = new HandlerContext(
      input,
      { requestId, logger, mode: input.mode, status, headers, render: (shown = base.problem, extraHeaders) => problemResponse(render(shown, extraHeaders)) },
      () => problemFromError(error, { mode: input.mode, instance, requestId }, info).problem,
    );
    // The adapter's extra (Hono: `c`) added to an object of fixed shape: a spread followed by eight
    // properties measured 3× slower than this whole resolution (bench figure in the commit).
    const context = base as unknown as ErrorContext<Extra>;
    for (const key in input.extra) if (!(key in base)) (context as Record<string, unknown>)[key] = input.extra[key];
    const outcome = { error, status, code: problemCode(info, status, debug), instance };
    for (const handler of handlers) {
      let result: HandlerResult;
      try {
        const returned = handler(error, context);
        // Awaited only when it is a promise: a synchronous handler's answer needs no extra turn.
        // The host's reply (Fastify, Express) is recognised by `sentByHost` before it is read as a problem.
        result = (isThenable(returned) ? await returned : returned) as HandlerResult;
      } catch (handlerError) {
        logger.error({ requestId, code: 'ERRAND_HANDLER_FAILED', err: coerceError(handlerError) }, 'an error handler threw; trying the next one');
        continue;
      }
      const sent = sentByHost?.(result);
      if (sent !== undefined) {
        logOutcome(outcome, sent, logger, settings);
        return { kind: 'sent', status: sent };
      }
      if (result === undefined) continue;
      if (isResponse(result)) {
        logOutcome(outcome, result.status, logger, settings);
        return { kind: 'response', response: withHeaders(result, added) };
      }
      const merged = mergeProblem(base.problem, result);
      logOutcome(outcome, merged.status, logger, settings);
      return { kind: 'problem', problem: render(merged) };
    }
    logOutcome(outcome, status, logger, settings);
    try {
      return { kind: 'problem', problem: render(base.problem) };
    } catch (renderError) {
      // Typically ERRAND_ENCODING_FAILED (a cycle in an extension): answer a plain safe 500.
      const failure = coerceError(renderError);
      logger.error({ requestId, code: 'ERRAND_ENCODING_FAILED', err: failure }, 'the error response could not be rendered');
      return { kind: 'problem', problem: render(problemFromError(failure, { mode: 'production', instance, requestId }).problem) };
    }
  } catch (fatal) {
    return { kind: 'response', response: failResponse(settings.logger, requestId, fatal) };
  }
}

/** What the outcome line of a resolution says besides the status sent. */
interface Outcome {
  error: Error;
  /** The status errand would have answered. */
  status: number;
  /** The default problem's `code`. */
  code: string | undefined;
  instance: string;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function';
}

// Whether the logger would write at `level`: pino says so (`isLevelEnabled`); any other logger is asked to write.
function enabled(log: ErrandLogger, level: string): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return typeof check !== 'function' || check.call(log, level);
}

function logOutcome(outcome: Outcome, status: number, log: ErrandLogger, settings: ResolutionSettings): void {
  try {
    const { error, instance } = outcome;
    const code = status === outcome.status ? outcome.code : undefined;
    if (status >= 500 && isErrandError(error) && code === error.code && isExpectedCode(error.code)) {
      settings.refusals.refused(log, { status, code: error.code, instance }, `request refused: ${error.message}`);
    } else if (status >= 500) log.error({ status, code, instance, err: error }, `request failed: ${error.message}`);
    else if (enabled(log, settings.clientLevel)) log[settings.clientLevel]({ status, code, instance }, `request rejected: ${reasonPhrase(status)}`);
  } catch {
    // A broken logger must not turn an error response into a crash.
  }
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
