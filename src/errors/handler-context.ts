import type { ErrandLogger } from '../logging/errand-logger.js';
import type { ErrorContextBase } from './error-handler.js';
import type { ErrorMode } from './error-mode.js';
import type { ProblemDetails } from './problem-details.js';
import type { FormatContext } from './render-problem.js';

/*
 * Classes, where object literals with `get` accessors would read as well: V8 keeps such a literal
 * in dictionary mode, made by the runtime for each request, and on errand's error path those
 * objects and everything they reach (the Request, the host's context) outlived the young-generation
 * collections until the next full GC. errand on Hono's custom 404, 30,000 requests in one process
 * (`--trace-gc-nvp`): 188 MB promoted with the literals, 22 MB with these classes, as with no error
 * handling at all. The accessors stay own and enumerable, as they were on the literals (a context
 * can be spread or compared), defined from one shared descriptor so every instance has one shape.
 */

/** Where the failed request is read from: on demand, since a Node adapter builds its web Request only when asked. */
export interface RequestSource {
  readonly request: Request;
}

/** The context an error handler receives (the adapter's extra is added to it). Not part of the public API. */
export class HandlerContext implements ErrorContextBase {
  declare readonly request: Request;
  requestId: string;
  logger: ErrandLogger;
  mode: ErrorMode;
  status: number;
  /** errand's default problem, built on first read; a handler may replace it. */
  declare problem: ProblemDetails;
  headers: Record<string, string>;
  render: ErrorContextBase['render'];
  readonly #source: RequestSource;
  readonly #build: () => ProblemDetails;
  #problem: ProblemDetails | undefined;

  static readonly #request: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: HandlerContext): Request {
      return this.#source.request;
    },
  };

  static readonly #problemProperty: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: HandlerContext): ProblemDetails {
      return (this.#problem ??= this.#build());
    },
    set(this: HandlerContext, shown: ProblemDetails) {
      this.#problem = shown;
    },
  };

  constructor(source: RequestSource, fields: Omit<ErrorContextBase, 'request' | 'problem'>, build: () => ProblemDetails) {
    this.#source = source;
    this.#build = build;
    Object.defineProperty(this, 'request', HandlerContext.#request);
    this.requestId = fields.requestId;
    this.logger = fields.logger;
    this.mode = fields.mode;
    this.status = fields.status;
    Object.defineProperty(this, 'problem', HandlerContext.#problemProperty);
    this.headers = fields.headers;
    this.render = fields.render;
  }
}

/** What a user formatter receives, the request read on demand. Not part of the public API. */
export class LazyFormatContext implements FormatContext {
  readonly error: Error;
  declare readonly request: Request;
  readonly requestId: string;
  readonly #source: RequestSource;

  static readonly #request: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: LazyFormatContext): Request {
      return this.#source.request;
    },
  };

  constructor(error: Error, source: RequestSource, requestId: string) {
    this.#source = source;
    this.error = error;
    Object.defineProperty(this, 'request', LazyFormatContext.#request);
    this.requestId = requestId;
  }
}
