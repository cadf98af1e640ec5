import type { ErrandLogger } from '../logging/errand-logger.js';
import type { ErrorMode } from './error-mode.js';
import type { ProblemDetails } from './problem-details.js';
import type { ProblemFormat } from './render-problem.js';

/** A class of errors a handler can be registered for (any `Error` subclass, abstract ones too). */
export type ErrorClass<E extends Error = Error> = abstract new (...args: never[]) => E;

/** What an error handler sees besides the error. `Extra` is framework glue, e.g. Hono's `{ c }`. */
export type ErrorContext<Extra extends object = Record<never, never>> = Extra & ErrorContextBase;

/** The members of {@link ErrorContext} that every host gives. */
export interface ErrorContextBase {
  request: Request;
  requestId: string;
  /** A logger bound to the request id. */
  logger: ErrandLogger;
  mode: ErrorMode;
  /** The status errand would answer with. */
  status: number;
  /** The problem errand would send (already safe for `mode`). */
  problem: ProblemDetails;
  /** Headers errand would send (the error's own, e.g. `Allow`, plus `X-Request-Id`). */
  headers: Record<string, string>;
  /** Renders a problem (the default one when omitted) in the configured format; safe to destructure. */
  render: (problem?: ProblemDetails, headers?: Record<string, string>) => Response;
}

/**
 * What a handler may return: a `Response` (sent as is, with `X-Request-Id` and the error's headers
 * added when missing), members to merge into the default problem (rendered in the configured
 * format), or `undefined` to decline and let the next candidate answer. On Fastify and Express a
 * handler may also answer through the host's reply and return it ({@link HostReplyResult}).
 */
export type HandlerResult = Response | Partial<ProblemDetails> | undefined | void;

/**
 * What a handler may also return on Fastify and Express: the host's own reply it answered through
 * (`return reply.code(418).send(body)`, `return res.status(418).json(body)`); errand then sends
 * nothing more. Nothing on Hono, whose handlers return a `Response` (`c.json(…)`).
 */
export type HostReplyResult<Extra extends object> = Extra extends { reply: infer R } ? R : Extra extends { res: infer R } ? R : never;

/** A registered error handler; may be async. A handler that throws passes to the next candidate. */
export type ErrorHandler<E extends Error = Error, Extra extends object = Record<never, never>> = (
  error: E,
  context: ErrorContext<Extra>,
) => HandlerResult | HostReplyResult<Extra> | Promise<HandlerResult | HostReplyResult<Extra>>;

/** The request-side input of `registry.handle`. */
export interface HandleInput<Extra extends object = Record<never, never>> {
  request: Request;
  requestId: string;
  /** @default the registry's logger, bound to `requestId` */
  logger?: ErrandLogger;
  mode: ErrorMode;
  /** @default 'problem' */
  format?: ProblemFormat;
  /** Sent as the problem's `instance`. @default the request URL's path */
  instance?: string;
  /** Framework glue passed to handlers (Hono: `{ c }`). */
  extra: Extra;
  /**
   * The adapter already put `X-Request-Id` on the outgoing response (a Node response, before the
   * handler ran): errand does not add it to the error response again, which keeps the host's fast
   * path for a response built from a plain body and headers. `context.headers` still holds it.
   * @default false
   */
  requestIdSent?: boolean;
}
