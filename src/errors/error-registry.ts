import type { ErrandLogger } from '../logging/errand-logger.js';
import { defaultLogger } from '../logging/default-logger.js';
import { clientDisconnect } from './client-disconnect.js';
import { coerceError } from './coerce-error.js';
import { ErrandError } from './errand-error.js';
import type { ErrorClass, ErrorHandler, HandleInput } from './error-handler.js';
import { answerResponse, defaultAnswer, failResponse, resolveError, type AddExtra, type ErrorAnswer, type MaybeAnswer, type ResolutionSettings, type SentByHost } from './error-resolution.js';
import { HTTPException } from './http-exception.js';
import { httpErrorInfo } from './http-error-info.js';
import { isErrorStatus } from './reason-phrases.js';
import { RefusalLog } from './refusal-log.js';
import { routeMissError, type RouteMiss } from './route-miss-error.js';
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
  /** Where conflicts, task errors and (when a request has none) request errors are logged. @default pino on stdout through createLogDestination (never blocks, never holds the process at exit) */
  logger?: ErrandLogger;
  /**
   * Log level of client errors (4xx). Server errors are logged at `error`, except expected refusals
   * (503 ERRAND_OVERLOADED, ERRAND_SHUTTING_DOWN): `warn`, at most one line a second per code with
   * a count. @default 'info'
   */
  clientErrorLevel?: 'info' | 'debug' | 'warn';
}

/** Error handlers keyed by error class and by status; see docs/errors.md for the lookup order. */
export interface ErrorRegistry<Extra extends object = Record<never, never>> {
  /** Registers a handler for a class (and its subclasses) or a status (400..599). Returns the registry. */
  on<E extends Error>(key: ErrorClass<E>, handler: ErrorHandler<E, Extra>): ErrorRegistry<Extra>;
  on(key: number, handler: ErrorHandler<Error, Extra>): ErrorRegistry<Extra>;
  /** Registers a handler for errors of after-response tasks of this class (and its subclasses). */
  onTaskError<E extends Error>(key: ErrorClass<E>, handler: TaskErrorHandler<E>): ErrorRegistry<Extra>;
  /** Turns anything thrown into a response; never rejects (the last resort is a fixed 500 problem). */
  handle(thrown: unknown, input: HandleInput<Extra>): Promise<Response>;
  /**
   * Hands an after-response task's error to the most specific task handler; never rejects. The
   * task runner has logged the failure (once, with its request id); this only runs handlers.
   */
  handleTaskError(error: Error, info: TaskErrorInfo): Promise<void>;
  /** Whether any task-error handler is registered (the only readers of `info.context`). */
  hasTaskErrorHandlers(): boolean;
  /** Duplicate or unreachable registrations so far (each was also logged as a warning). */
  conflicts(): readonly RegistryConflict[];
  readonly logger: ErrandLogger;
}

// Catch-all bases: a status handler is more specific than a handler for these.
const genericBases = new Set<unknown>([Error, HTTPException, ErrandError]);
// The cache key of the status of an error that carries none: unlike HTTPException(500), it may
// reach a handler for the bare `Error` class.
const unexpected = 0;

type Answerer = (thrown: unknown, input: HandleInput<never>, sentByHost?: SentByHost, addExtra?: AddExtra) => MaybeAnswer;

type MissAnswerer = (miss: RouteMiss, input: HandleInput<never>) => MaybeAnswer;

// Each registry's answer functions, for the adapters (kept off the public registry interface).
const answerers = new WeakMap<object, Answerer>();
const missAnswerers = new WeakMap<object, MissAnswerer>();

/**
 * `registry.handle` without the web `Response` at the end: errand's own problem comes back rendered
 * (status, headers, body) for a Node adapter to write straight to the Node response, and a handler
 * that answered through the host's objects (`sentByHost`) comes back as sent. The answer itself
 * when every handler that ran answered synchronously, else a promise of it. A registry not made by
 * {@link createErrorRegistry} is asked through `handle`. Never throws nor rejects. Not part of the public API.
 *
 * @example
 * const answer = await answerError(registry, error, input, () => (res.headersSent ? res.statusCode : undefined));
 */
export function answerError<Extra extends object>(registry: ErrorRegistry<Extra>, thrown: unknown, input: HandleInput<Extra>, sentByHost?: SentByHost, addExtra?: AddExtra): MaybeAnswer {
  const answerer = answerers.get(registry);
  if (answerer !== undefined) return answerer(thrown, input as HandleInput<never>, sentByHost, addExtra);
  return registry.handle(thrown, input).then((response): ErrorAnswer => ({ kind: 'response', response }));
}

/**
 * `registry.handle` for a host that takes a response or a promise of one (Hono's `onError` and
 * `notFound`): the `Response` itself when every handler that ran answered synchronously, so the
 * host does not wait a turn for it. Never throws nor rejects. Not part of the public API.
 *
 * @example
 * app.notFound((c) => respondNow(registry, routeMissError('GET', '/nope', []), input))
 */
export function respondNow<Extra extends object>(registry: ErrorRegistry<Extra>, thrown: unknown, input: HandleInput<Extra>): Response | Promise<Response> {
  const answerer = answerers.get(registry);
  if (answerer === undefined) return registry.handle(thrown, input);
  const answer = answerer(thrown, input as HandleInput<never>);
  return answer instanceof Promise ? answer.then(answerResponse) : answerResponse(answer);
}

/**
 * {@link respondNow} for a request no route answered. When no handler could see the miss's
 * exception (none for its status, for `HTTPException` or for `Error`'s subclasses it belongs to),
 * in production, errand's own problem is rendered from `miss` alone and the exception is never
 * built: an expected miss needs neither an `Error` nor its stack. Otherwise the exception is made
 * and answered as any error. Never throws nor rejects. Not part of the public API.
 *
 * @example
 * app.notFound((c) => respondToMiss(registry, routeMiss('GET', '/nope', []), input))
 */
export function respondToMiss<Extra extends object>(registry: ErrorRegistry<Extra>, miss: RouteMiss, input: HandleInput<Extra>): Response | Promise<Response> {
  const answerer = missAnswerers.get(registry);
  if (answerer === undefined) return registry.handle(routeMissError(miss), input);
  const answer = answerer(miss, input as HandleInput<never>);
  return answer instanceof Promise ? answer.then(answerResponse) : answerResponse(answer);
}

function nameOf(key: ErrorClass | number): string {
  return typeof key === 'number' ? `status ${key}` : `class ${key.name || 'anonymous'}`;
}

/**
 * Creates an error-handler registry. Lookup for an error: handlers for its own classes from the
 * most specific up (skipping the generic bases `Error`, `HTTPException`, `ErrandError`), then the
 * handler for its status (500 for unexpected errors), then handlers for the generic bases (the one
 * for `Error` only for errors that carry no status, as Starlette's handler for `Exception`), then
 * the built-in problem renderer, then a fixed 500 problem that cannot fail.
 *
 * @example
 * const registry = createErrorRegistry()
 *   .on(MyCustomException, (error) => Response.json({ message: `Oops! ${error.name} did something wrong.` }, { status: 418 }))
 *   .on(404, () => ({ detail: 'nothing lives here' }))
 */
export function createErrorRegistry<Extra extends object = Record<never, never>>(options: ErrorRegistryOptions = {}): ErrorRegistry<Extra> {
  const logger = options.logger ?? defaultLogger();
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
    known = new WeakMap();
    if (table.has(key)) conflict(label, `a second ${kind} handler for ${nameOf(label)} replaced the first; register one handler per key`);
    table.set(key, handler);
  }

  // Handlers for the error's own classes from the most specific up (the class hierarchy walked as
  // Starlette walks the MRO), then its status's, then the generic bases'. `key` is the error's
  // status, or `unexpected` when it carries none. A handler for the bare `Error` class is
  // Starlette's handler for `Exception` (ServerErrorMiddleware): it sees only errors without a
  // status of their own, never an HTTPException, a route miss or errand's own 4xx.
  function lookUp(first: object | null, key: number): ErrorHandler<Error, Extra>[] {
    const found: ErrorHandler<Error, Extra>[] = [];
    let generic: ErrorHandler<Error, Extra>[] | undefined;
    for (let proto: unknown = first; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      const constructor = (proto as { constructor?: unknown }).constructor;
      const handler = byClass.get(constructor);
      if (handler === undefined || (constructor === Error && key !== unexpected)) continue;
      if (genericBases.has(constructor)) (generic ??= []).push(handler);
      else found.push(handler);
    }
    const statusHandler = byStatus.get(key === unexpected ? 500 : key);
    if (statusHandler) found.push(statusHandler);
    if (generic !== undefined) found.push(...generic);
    return found;
  }

  // The candidates for each error class (its prototype) and status key, looked up once per pair:
  // the same few errors are answered over and over. A registration starts a new table. Weak, so a
  // class made at run time does not stay in memory for its entry.
  let known = new WeakMap<object, Map<number, readonly ErrorHandler<Error, Extra>[]>>();

  function candidates(error: Error, key: number): readonly ErrorHandler<Error, Extra>[] {
    const proto = Object.getPrototypeOf(error) as object | null;
    return proto === null ? lookUp(null, key) : candidatesOf(proto, key);
  }

  function candidatesOf(proto: object, key: number): readonly ErrorHandler<Error, Extra>[] {
    let byKey = known.get(proto);
    if (byKey === undefined) known.set(proto, (byKey = new Map<number, readonly ErrorHandler<Error, Extra>[]>()));
    let found = byKey.get(key);
    if (found === undefined) byKey.set(key, (found = lookUp(proto, key)));
    return found;
  }

  const settings: ResolutionSettings = { logger, clientLevel, refusals: new RefusalLog(logger) };

  // Not `async`: resolveError never throws nor rejects, and answers at once when its handlers did.
  function answer(thrown: unknown, input: HandleInput<Extra>, sentByHost?: SentByHost, addExtra?: AddExtra): MaybeAnswer {
    try {
      const error = clientDisconnect(coerceError(thrown), input);
      const info = httpErrorInfo(error);
      const log = input.logger ?? logger.child({ requestId: input.requestId });
      return resolveError(error, info, candidates(error, info?.status ?? unexpected), input, log, settings, sentByHost, addExtra);
    } catch (fatal) {
      return { kind: 'response', response: failResponse(logger, input.requestId, fatal) };
    }
  }

  // A route miss: its exception made only when a handler (or debug mode's stack) can see it.
  function answerMiss(miss: RouteMiss, input: HandleInput<Extra>): MaybeAnswer {
    const build = (): Error => routeMissError(miss);
    try {
      if (input.mode !== 'debug' && candidatesOf(HTTPException.prototype, miss.status).length === 0) {
        return defaultAnswer(miss, build, input, input.logger ?? logger.child({ requestId: input.requestId }), settings);
      }
    } catch {
      // Rendering failed (a formatter threw): the full resolution below answers and logs it.
    }
    return answer(build(), input);
  }

  function handle(thrown: unknown, input: HandleInput<Extra>): Promise<Response> {
    return Promise.resolve(answer(thrown, input)).then(answerResponse);
  }

  async function handleTaskError(error: Error, info: TaskErrorInfo): Promise<void> {
    try {
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
    handleTaskError,
    hasTaskErrorHandlers: () => byTaskClass.size > 0,
    conflicts: () => [...found],
    logger,
  };
  answerers.set(registry, answer);
  missAnswerers.set(registry, answerMiss);
  return registry;
}
