import type { ErrandLogger } from '../logging/errand-logger.js';
import type { ErrorContextBase } from './error-handler.js';
import type { ErrorMode } from './error-mode.js';
import type { ProblemDetails } from './problem-details.js';
import type { FormatContext } from './render-problem.js';

/*
 * Classes with getters on the prototype, where object literals with `get` accessors would read as
 * well: V8 keeps such a literal in dictionary mode, and on errand's error path those objects and
 * what they reach (the Request, the host's context) outlived the young-generation collections and
 * were collected only by full GCs. Accessors defined on each instance (`Object.defineProperty`, to
 * keep them own properties) cost as much: each definition left garbage in the old generation.
 * errand on Hono's custom 404, instructions per request (callgrind, bench/instructions.ts):
 * literals 219,993, own accessors 213,332, prototype getters 119,075 (hono-contract: 109,038).
 * So `request`, `problem` and `render` are read by name; a spread of the context does not copy them.
 * `render` is made when first read: most handlers answer without it.
 */

/** Where the failed request is read from: on demand, since a Node adapter builds its web Request only when asked. */
export interface RequestSource {
  readonly request: Request;
}

/** What a handler context asks its resolution for, when a handler reads it. */
export interface ContextSource extends RequestSource {
  /** errand's default problem for the error (built when first read). */
  defaultProblem(): ProblemDetails;
  /** `shown` rendered in the configured format, with errand's headers and `extraHeaders`. */
  renderResponse(shown: ProblemDetails, extraHeaders?: Record<string, string>): Response;
}

/** The context an error handler receives (the adapter's extra is added to it). Not part of the public API. */
export class HandlerContext implements ErrorContextBase {
  requestId: string;
  logger: ErrandLogger;
  mode: ErrorMode;
  status: number;
  headers: Record<string, string>;
  readonly #source: ContextSource;
  #problem: ProblemDetails | undefined = undefined;
  #render: ErrorContextBase['render'] | undefined = undefined;

  constructor(source: ContextSource, requestId: string, logger: ErrandLogger, mode: ErrorMode, status: number, headers: Record<string, string>) {
    this.#source = source;
    this.requestId = requestId;
    this.logger = logger;
    this.mode = mode;
    this.status = status;
    this.headers = headers;
  }

  get request(): Request {
    return this.#source.request;
  }

  /** errand's default problem, built on first read; a handler may replace it. */
  get problem(): ProblemDetails {
    return (this.#problem ??= this.#source.defaultProblem());
  }

  set problem(shown: ProblemDetails) {
    this.#problem = shown;
  }

  /** Renders a problem (the context's, when omitted): made on first read, safe to destructure. */
  get render(): ErrorContextBase['render'] {
    return (this.#render ??= (shown = this.problem, extraHeaders) => this.#source.renderResponse(shown, extraHeaders));
  }

  set render(render: ErrorContextBase['render']) {
    this.#render = render;
  }
}

/** What a user formatter receives, the request read on demand. Not part of the public API. */
export class LazyFormatContext implements FormatContext {
  readonly error: Error;
  readonly requestId: string;
  readonly #source: RequestSource;

  constructor(error: Error, source: RequestSource, requestId: string) {
    this.error = error;
    this.requestId = requestId;
    this.#source = source;
  }

  get request(): Request {
    return this.#source.request;
  }
}

/** {@link LazyFormatContext} for an error not made yet: `build` makes it when a formatter first reads it. Not part of the public API. */
export class DeferredErrorFormatContext implements FormatContext {
  readonly requestId: string;
  readonly #build: () => Error;
  readonly #source: RequestSource;
  #error: Error | undefined = undefined;

  constructor(build: () => Error, source: RequestSource, requestId: string) {
    this.#build = build;
    this.requestId = requestId;
    this.#source = source;
  }

  get error(): Error {
    return (this.#error ??= this.#build());
  }

  get request(): Request {
    return this.#source.request;
  }
}
