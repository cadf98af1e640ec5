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
 * So `request` and `problem` are read by name; a spread of the context does not copy them.
 */

/** Where the failed request is read from: on demand, since a Node adapter builds its web Request only when asked. */
export interface RequestSource {
  readonly request: Request;
}

/** The context an error handler receives (the adapter's extra is added to it). Not part of the public API. */
export class HandlerContext implements ErrorContextBase {
  requestId: string;
  logger: ErrandLogger;
  mode: ErrorMode;
  status: number;
  headers: Record<string, string>;
  render: ErrorContextBase['render'];
  readonly #source: RequestSource;
  readonly #build: () => ProblemDetails;
  #problem: ProblemDetails | undefined;

  constructor(source: RequestSource, fields: Omit<ErrorContextBase, 'request' | 'problem'>, build: () => ProblemDetails) {
    this.#source = source;
    this.#build = build;
    this.requestId = fields.requestId;
    this.logger = fields.logger;
    this.mode = fields.mode;
    this.status = fields.status;
    this.headers = fields.headers;
    this.render = fields.render;
  }

  get request(): Request {
    return this.#source.request;
  }

  /** errand's default problem, built on first read; a handler may replace it. */
  get problem(): ProblemDetails {
    return (this.#problem ??= this.#build());
  }

  set problem(shown: ProblemDetails) {
    this.#problem = shown;
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
