import type { ErrorMode } from './error-mode.js';
import { httpErrorInfo, type HttpErrorInfo } from './http-error-info.js';
import { jsonable } from './jsonable.js';
import type { ProblemDetails } from './problem-details.js';
import { reasonPhrase } from './reason-phrases.js';
import { activeTraceId } from '../tracing/trace-id.js';

/** Where and how a problem is being reported. */
export interface ProblemOptions {
  /** `production` hides 5xx messages; `debug` adds `stack` and `cause`. */
  mode: ErrorMode;
  /** The request path, sent as `instance`. @default undefined */
  instance?: string;
  /** Sent as `requestId`. @default undefined */
  requestId?: string;
}

/** A problem plus the response headers its error asked for. */
export interface ErrorProblem {
  problem: ProblemDetails;
  headers: Record<string, string> | undefined;
}

// Members an extension may not overwrite: they are the envelope's contract.
const reserved = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId', 'traceId', 'errors']);

/** The detail sent for a 5xx in production: never the error's own message. */
export const hiddenDetail = 'An unexpected error occurred. Quote the request id when reporting it.';

function causeChain(cause: unknown): unknown {
  try {
    return jsonable(cause);
  } catch {
    return 'the cause could not be encoded';
  }
}

/**
 * The `code` a problem for this error carries: its own, `ERRAND_INTERNAL` for an unexpected 5xx; a
 * code that is not errand's is hidden outside debug mode when the error is not exposed (a 5xx
 * unless `expose: true`, a 4xx with `expose: false`).
 *
 * @example
 * problemCode(httpErrorInfo(error), 404, false) // 'ERRAND_NOT_FOUND' for a route miss
 */
export function problemCode(info: HttpErrorInfo | undefined, status: number, debug: boolean): string | undefined {
  // A foreign code off the allow-list (httpErrorInfo) is shown in debug mode only, whatever the status.
  if (info?.foreignCode !== undefined) return debug ? info.foreignCode : undefined;
  const code = info?.code ?? (status >= 500 ? 'ERRAND_INTERNAL' : undefined);
  return code !== undefined && (shows(info, status, debug) || code.startsWith('ERRAND_')) ? code : undefined;
}

/** Whether the client sees what the error says (detail, its own code, extensions): a 4xx, or a 5xx that asked to (`expose`), or anything in debug mode. */
function shows(info: HttpErrorInfo | undefined, status: number, debug: boolean): boolean {
  return debug || (info?.expose ?? status < 500);
}

/**
 * The default problem for an error (`info` is `httpErrorInfo(error)`, passed when already known): status, title and detail from what the error carries (see
 * `httpErrorInfo`), 500 for anything else. In production a 5xx's detail is a fixed sentence and
 * nothing else about the error leaves the process, unless the error opted in with `expose: true`
 * (its detail, code and extensions are sent then, never its stack or cause); in debug mode `stack`
 * and `cause` are added.
 *
 * @example
 * problemFromError(new HTTPException(404), { mode: 'production', instance: '/items/7' }).problem
 * // { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Not Found', instance: '/items/7' }
 */
export function problemFromError(error: Error, options: ProblemOptions, info: HttpErrorInfo | undefined = httpErrorInfo(error)): ErrorProblem {
  const problem = problemFromInfo(info, options, error.message);
  if (options.mode === 'debug') {
    if (error.stack !== undefined) problem.stack = error.stack;
    if (error.cause !== undefined) problem.cause = causeChain(error.cause);
  }
  return { problem, headers: info?.headers };
}

/**
 * {@link problemFromError} from what an error says (`info`, `undefined` for an unexpected error)
 * without the error itself, and without the debug-mode `stack` and `cause`: `message` is the
 * detail when `info` has none. A route miss is answered from this in production, its exception
 * never built. Not part of the public API.
 *
 * @example
 * problemFromInfo({ status: 404, detail: 'no route matches GET /x', code: 'ERRAND_NOT_FOUND' }, { mode: 'production', instance: '/x' })
 */
export function problemFromInfo(info: HttpErrorInfo | undefined, options: ProblemOptions, message = ''): ProblemDetails {
  const status = info?.status ?? 500;
  const debug = options.mode === 'debug';
  const shown = shows(info, status, debug);
  const problem: ProblemDetails = { type: info?.type ?? 'about:blank', title: reasonPhrase(status), status };
  if (shown) problem.detail = info?.detail ?? (message || reasonPhrase(status));
  else problem.detail = status < 500 ? reasonPhrase(status) : hiddenDetail;
  if (options.instance !== undefined) problem.instance = options.instance;
  const code = problemCode(info, status, debug);
  if (code !== undefined) problem.code = code;
  if (options.requestId !== undefined) problem.requestId = options.requestId;
  const traceId = activeTraceId();
  if (traceId !== undefined) problem.traceId = traceId;
  if (info?.errors) problem.errors = info.errors;
  if (info?.extensions && shown) {
    for (const [key, value] of Object.entries(info.extensions)) if (!reserved.has(key)) problem[key] = value;
  }
  return problem;
}
