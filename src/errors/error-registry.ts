import { pino, type Logger } from 'pino';
import { coerceError } from './coerce-error.js';
import { ErrandError } from './errand-error.js';
import type { ErrorClass, ErrorContext, ErrorHandler, HandleInput, HandlerResult } from './error-handler.js';
import { HTTPException } from './http-exception.js';
import { httpErrorInfo } from './http-error-info.js';
import type { ErrorMode } from './error-mode.js';
import { hiddenDetail, problemFromError } from './problem-from-error.js';
import type { ProblemDetails } from './problem-details.js';
import { isErrorStatus, reasonPhrase } from './reason-phrases.js';
import { renderProblem } from './render-problem.js';
import type { TaskErrorHandler, TaskErrorInfo } from './task-error.js';

/** A registration that replaced another or can never run. */
export interface RegistryConflict {
  code: 'ERRAND_REGISTRY_CONFLICT';
  /** The class name or status the conflict is about. */
  key: string;
  message: string;
}

/** Options of {@link createErrorRegistry}. */
export interface ErrorRegistryOptions {
  /** Where conflicts, task errors and (when a request has none) request errors are logged. @default pino() */
  logger?: Logger;
  /** Log level of client errors (4xx); server errors are always logged at `error`. @default 'info' */
  clientErrorLevel?: 'info' | 'debug' | 'warn';
}

/** Error handlers keyed by error class and by status; see docs/errors.md for the lookup order. */
export interface ErrorRegistry<Extra extends object = Record<never, never>> {
  /** Registers a handler for a class (and its subclasses) or a status (400..599). Returns the registry. */
  on<E extends Error>(key: ErrorClass<E>, handler: ErrorHandler<E, Extra>): ErrorRegistry<Extra>;
  on(key: number, handler: ErrorHandler<Error, Extra>): ErrorRegistry<Extra>;
  /** Registers a handler for errors of after-response tasks of this class (and its subclasses). */
  onTaskError<E extends Error>(key: ErrorClass<E>, handler: TaskErrorHandler<E>): ErrorRegistry<Extra>;
  /** Turns anything thrown into a response; never throws (the last resort is a fixed 500 problem). */
  handle(thrown: unknown, input: HandleInput<Extra>): Promise<Response>;
  /**
   * {@link handle} without a promise when the handler that answers is synchronous (or none is
   * registered): adapters use it so a synchronous route that throws stays synchronous. Never throws.
   */
  handleNow(thrown: unknown, input: HandleInput<Extra>): Response | Promise<Response>;
  /** Reports an after-response task's error to the most specific task handler; never throws. */
  handleTaskError(error: Error, info: TaskErrorInfo): Promise<void>;
  /** Whether any task-error handler is registered (the only readers of `info.context`). */
  hasTaskErrorHandlers(): boolean;
  /** Duplicate or unreachable registrations so far (each was also logged as a warning). */
  conflicts(): readonly RegistryConflict[];
  readonly logger: Logger;
}

// Catch-all bases: a status handler is more specific than a handler for these.
const genericBases = new Set<unknown>([Error, HTTPException, ErrandError]);

function lastResort(requestId: string): Response {
  try {
    const body = `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":${JSON.stringify(hiddenDetail)},"code":"ERRAND_HANDLER_FAILED","requestId":${JSON.stringify(requestId)}}`;
    return new Response(body, { status: 500, headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId } });
  } catch {
    return new Response(null, { status: 500 });
  }
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** What handlers receive (plus the framework's `extra`); `problem` is built on first read. */
class HandlerContext {
  readonly #problem: () => ProblemDetails;
  constructor(
    readonly request: Request,
    readonly requestId: string,
    readonly logger: Logger,
    readonly mode: ErrorMode,
    readonly status: number,
    problem: () => ProblemDetails,
    readonly headers: Record<string, string>,
    readonly render: (problem?: ProblemDetails, headers?: Record<string, string>) => Response,
  ) {
    this.#problem = problem;
  }

  get problem(): ProblemDetails {
    return this.#problem();
  }
}

function nameOf(key: ErrorClass | number): string {
  return typeof key === 'number' ? `status ${key}` : `class ${key.name || 'anonymous'}`;
}

/**
 * Creates an error-handler registry. Lookup for an error: handlers for its own classes from the
 * most specific up (skipping the generic bases `Error`, `HTTPException`, `ErrandError`), then the
 * handler for its status (500 for unexpected errors), then handlers for the generic bases, then the
 * built-in problem renderer, then a fixed 500 problem that cannot fail.
 *
 * @example
 * const registry = createErrorRegistry()
 *   .on(MyCustomException, (error) => Response.json({ message: `Oops! ${error.name} did something wrong.` }, { status: 418 }))
 *   .on(404, () => ({ detail: 'nothing lives here' }))
 */
export function createErrorRegistry<Extra extends object = Record<never, never>>(options: ErrorRegistryOptions = {}): ErrorRegistry<Extra> {
  const logger = options.logger ?? pino();
  const clientLevel = options.clientErrorLevel ?? 'info';
  const byClass = new Map<unknown, ErrorHandler<Error, Extra>>();
  const byStatus = new Map<number, ErrorHandler<Error, Extra>>();
  const byTaskClass = new Map<unknown, TaskErrorHandler>();
  const found: RegistryConflict[] = [];

  function conflict(key: ErrorClass | number, message: string): void {
    const entry: RegistryConflict = { code: 'ERRAND_REGISTRY_CONFLICT', key: nameOf(key), message };
    found.push(entry);
    logger.warn({ code: entry.code, key: entry.key }, message);
  }

  function reachableClass(key: ErrorClass): boolean {
    if (key === Error || key.prototype instanceof Error) return true;
    conflict(key, `${nameOf(key)} is not an Error subclass, so its handler can never run (anything thrown is first turned into an Error)`);
    return false;
  }

  function register<H>(table: Map<unknown, H>, key: unknown, handler: H, label: ErrorClass | number, kind: string): void {
    if (table.has(key)) conflict(label, `a second ${kind} handler for ${nameOf(label)} replaced the first; register one handler per key`);
    table.set(key, handler);
    candidateCache.clear();
  }

  function computeCandidates(first: unknown, status: number): readonly ErrorHandler<Error, Extra>[] {
    const specific: ErrorHandler<Error, Extra>[] = [];
    const generic: ErrorHandler<Error, Extra>[] = [];
    for (let proto: unknown = first; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      const constructor = (proto as { constructor?: unknown }).constructor;
      const handler = byClass.get(constructor);
      if (handler) (genericBases.has(constructor) ? generic : specific).push(handler);
    }
    const statusHandler = byStatus.get(status);
    if (statusHandler) specific.push(statusHandler);
    return specific.concat(generic);
  }

  // The handlers to try, per prototype and status: an app throws a handful of error classes, so
  // the prototype walk runs once per class instead of once per error. Cleared on registration; the
  // cap keeps classes made at run time from growing it without bound.
  const candidateCache = new Map<unknown, Map<number, readonly ErrorHandler<Error, Extra>[]>>();
  function candidates(error: Error, status: number): readonly ErrorHandler<Error, Extra>[] {
    const proto: unknown = Object.getPrototypeOf(error);
    let byStatusCache = candidateCache.get(proto);
    if (byStatusCache === undefined) {
      if (candidateCache.size >= 256) candidateCache.clear();
      byStatusCache = new Map();
      candidateCache.set(proto, byStatusCache);
    }
    let list = byStatusCache.get(status);
    if (list === undefined) {
      list = computeCandidates(proto, status);
      byStatusCache.set(status, list);
    }
    return list;
  }

  // Logged once, after the handlers decided, with the status actually sent: a handler that turns an
  // unexpected error into a 418 is a client error, not a 500. `log` already carries the request id.
  function logRequestError(log: Logger, error: Error, status: number, problem: ProblemDetails | (() => ProblemDetails)): void {
    try {
      if (status < 500 && !log.isLevelEnabled(clientLevel)) return;
      if (typeof problem === 'function') problem = problem();
      const fields = { status, code: status === problem.status ? problem.code : undefined, instance: problem.instance };
      if (status >= 500) log.error({ ...fields, err: error }, `request failed: ${error.message}`);
      else log[clientLevel](fields, `request rejected: ${reasonPhrase(status)}`);
    } catch {
      // A broken logger must not turn an error response into a crash.
    }
  }

  // A handler's partial problem wins; when it changes the status, the original title and errand code
  // described another status and are dropped unless the handler gave its own.
  function mergeProblem(problem: ProblemDetails, result: Partial<ProblemDetails>): ProblemDetails {
    const status = isErrorStatus(result.status) ? result.status : problem.status;
    if (status === problem.status) return { ...problem, ...result, status };
    const { code: _code, title: _title, ...rest } = problem;
    return { ...rest, title: reasonPhrase(status), ...result, status };
  }

  function handleNow(thrown: unknown, input: HandleInput<Extra>): Response | Promise<Response> {
    const requestId = input.requestId;
    const fail = (fatal: unknown): Response => {
      try {
        logger.error({ requestId, code: 'ERRAND_HANDLER_FAILED', err: coerceError(fatal) }, 'error handling failed; sent the last-resort 500');
      } catch {
        // Nothing left to report to.
      }
      return lastResort(requestId);
    };
    try {
      const error = coerceError(thrown);
      const log = input.logger ?? logger.child({ requestId });
      const instance = input.instance ?? new URL(input.request.url).pathname;
      const info = httpErrorInfo(error);
      const status = info?.status ?? 500;
      const errorHeaders = info?.headers;
      const headers: Record<string, string> = errorHeaders === undefined ? { 'x-request-id': requestId } : { ...errorHeaders, 'x-request-id': requestId };
      // Built on first use: a handler answering with its own Response never needs the problem.
      let built: ProblemDetails | undefined;
      const problemOf = (): ProblemDetails => (built ??= problemFromError(error, { mode: input.mode, instance, requestId }, info).problem);
      const render = (value: ProblemDetails = problemOf(), extraHeaders?: Record<string, string>): Response =>
        renderProblem(value, { format: input.format, headers: extraHeaders === undefined ? headers : { ...headers, ...extraHeaders }, context: { error, request: input.request, requestId } });
      const list = candidates(error, status);

      // A handler's answer as a response, or undefined when it declined.
      const answer = (result: HandlerResult): Response | undefined => {
        if (result === undefined) return undefined;
        if (isResponse(result)) {
          logRequestError(log, error, result.status, problemOf);
          if (input.requestIdSent === true) return errorHeaders === undefined ? result : withHeaders(result, errorHeaders);
          return withHeaders(result, headers);
        }
        const problem = problemOf();
        const merged = mergeProblem(problem, result);
        logRequestError(log, error, merged.status, problem);
        return render(merged);
      };
      const handlerFailed = (handlerError: unknown): void => {
        log.error({ requestId, code: 'ERRAND_HANDLER_FAILED', err: coerceError(handlerError) }, 'an error handler threw; trying the next one');
      };
      const fallback = (): Response => {
        const problem = problemOf();
        logRequestError(log, error, problem.status, problem);
        try {
          return render(problem);
        } catch (renderError) {
          // Typically ERRAND_ENCODING_FAILED (a cycle in an extension): answer a plain safe 500.
          const failure = coerceError(renderError);
          log.error({ requestId, code: 'ERRAND_ENCODING_FAILED', err: failure }, 'the error response could not be rendered');
          return render(problemFromError(failure, { mode: 'production', instance, requestId }).problem);
        }
      };
      if (list.length === 0) return fallback();
      // A fixed shape, then the framework glue: spreading `extra` first was the costliest line here.
      const context = Object.assign(new HandlerContext(input.request, requestId, log, input.mode, status, problemOf, headers, render), input.extra) as unknown as ErrorContext<Extra>;
      // Tries the candidates from `index`; stays synchronous until a handler returns a promise.
      const from = (index: number): Response | Promise<Response> => {
        for (let i = index; i < list.length; i++) {
          try {
            const result = list[i](error, context);
            if (isThenable(result)) {
              const next = i + 1;
              return Promise.resolve(result)
                .then(
                  (settled) => {
                    try {
                      return answer(settled) ?? from(next);
                    } catch (handlerError) {
                      handlerFailed(handlerError);
                      return from(next);
                    }
                  },
                  (handlerError: unknown) => {
                    handlerFailed(handlerError);
                    return from(next);
                  },
                )
                .then(undefined, fail);
            }
            const response = answer(result);
            if (response !== undefined) return response;
          } catch (handlerError) {
            handlerFailed(handlerError);
          }
        }
        return fallback();
      };
      return from(0);
    } catch (fatal) {
      return fail(fatal);
    }
  }

  async function handle(thrown: unknown, input: HandleInput<Extra>): Promise<Response> {
    return handleNow(thrown, input);
  }

  async function handleTaskError(error: Error, info: TaskErrorInfo): Promise<void> {
    try {
      logger.error({ err: error, requestId: info.requestId, task: info.task, timedOut: info.timedOut, code: info.timedOut ? 'ERRAND_TASK_TIMEOUT' : 'ERRAND_TASK_FAILED' }, `after-response task ${info.task} failed: ${error.message}`);
      for (let proto: unknown = Object.getPrototypeOf(error); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        const handler = byTaskClass.get((proto as { constructor?: unknown }).constructor);
        if (!handler) continue;
        try {
          await handler(error, info);
          return;
        } catch (handlerError) {
          logger.error({ requestId: info.requestId, task: info.task, code: 'ERRAND_HANDLER_FAILED', err: coerceError(handlerError) }, 'a task error handler threw; trying the next one');
        }
      }
    } catch {
      // Reporting a task failure must never become a failure of its own.
    }
  }

  const registry: ErrorRegistry<Extra> = {
    on(key: ErrorClass | number, handler: ErrorHandler<never, Extra>): ErrorRegistry<Extra> {
      const stored = handler as ErrorHandler<Error, Extra>;
      if (typeof key === 'number') {
        if (isErrorStatus(key)) register(byStatus, key, stored, key, 'status');
        else conflict(key, `${nameOf(key)} is not an error status (400..599), so its handler can never run`);
      } else if (reachableClass(key)) {
        register(byClass, key, stored, key, 'error');
      }
      return registry;
    },
    onTaskError(key, handler) {
      if (reachableClass(key)) register(byTaskClass, key, handler as TaskErrorHandler, key, 'task error');
      return registry;
    },
    handle,
    handleNow,
    handleTaskError,
    hasTaskErrorHandlers: () => byTaskClass.size > 0,
    conflicts: () => [...found],
    logger,
  };
  return registry;
}
