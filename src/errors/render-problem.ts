import { encodeJson } from './jsonable.js';
import type { ProblemDetails } from './problem-details.js';
import { isRouteMiss } from './route-miss-error.js';

/** What a user formatter receives besides the problem. */
export interface FormatContext {
  /** The error being reported (already normalised by `coerceError`). */
  error: Error;
  /** The request that failed, when there is one. */
  request?: Request;
  requestId?: string;
}

/** Builds a custom error body from the problem; its return value is encoded with `jsonable`. */
export type ProblemFormatter = (problem: ProblemDetails, context: FormatContext) => unknown;

/**
 * The shape of error bodies: `'problem'` is RFC 9457 `application/problem+json`; `'fastapi'` is
 * FastAPI's `{"detail": …}` (a 422's detail is FastAPI's list of `{ loc, msg, type }`); a function
 * builds any body, e.g. the seed's `(p) => ({ error: p.detail })`.
 *
 * @default 'problem'
 */
export type ProblemFormat = 'problem' | 'fastapi' | ProblemFormatter;

/** Options of {@link renderProblem}. */
export interface RenderOptions {
  /** @default 'problem' */
  format?: ProblemFormat;
  /** Extra response headers (`Allow`, `Retry-After`, `X-Request-Id`…). @default undefined */
  headers?: Record<string, string>;
  context: FormatContext;
}

// What Node and undici accept in a header: a token as the name; no control character but tab in the value.
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;

function fastApiBody(problem: ProblemDetails, error: Error): unknown {
  if (problem.errors && problem.errors.length > 0) {
    return { detail: problem.errors.map((field) => ({ loc: field.loc, msg: field.message, type: field.code })) };
  }
  // A route miss says what FastAPI (Starlette) says, "Not Found" / "Method Not Allowed", so a client
  // matching on `detail` keeps working; a detail a handler set itself is kept.
  if (isRouteMiss(error) && problem.detail === error.detail) return { detail: problem.title };
  return { detail: problem.detail ?? problem.title };
}

/**
 * errand's own error answer before it becomes a web `Response`: a Node adapter writes it straight
 * to the Node response (an undici `Response` built and read back costs more than the rest of an
 * error response there). Not part of the public API.
 */
export interface RenderedProblem {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * {@link renderProblem}'s work without the `Response`: the status, the headers and the encoded body.
 * Throws as `renderProblem` does.
 *
 * @example
 * const { status, headers, body } = renderedProblem(problem, { context: { error } });
 */
export function renderedProblem(problem: ProblemDetails, options: RenderOptions): RenderedProblem {
  const format = options.format ?? 'problem';
  let body: string;
  let contentType = 'application/json';
  if (format === 'problem') {
    body = encodeJson(problem);
    contentType = 'application/problem+json';
  } else if (format === 'fastapi') {
    body = encodeJson(fastApiBody(problem, options.context.error));
  } else {
    body = encodeJson(format(problem, options.context));
  }
  // Object.assign, not `{ ...options.headers, 'content-type': … }`: on Node 20 a spread followed by
  // another property takes V8's slow path (~1 µs against ~50 ns), on every error response.
  const headers: Record<string, string> = Object.assign({}, options.headers);
  headers['content-type'] = contentType;
  // Checked here, as `new Response` would: a header that cannot be sent is a failure to render.
  for (const name in headers) {
    if (!headerName.test(name) || !headerValue.test(headers[name])) throw new TypeError(`the header ${JSON.stringify(name)} cannot be sent with the value ${JSON.stringify(headers[name])}`);
  }
  return { status: problem.status, headers, body };
}

/** A rendered problem as a web `Response`. */
export function problemResponse(rendered: RenderedProblem): Response {
  return new Response(rendered.body, { status: rendered.status, headers: rendered.headers });
}

/**
 * The one function that turns a problem into a response, in the configured format. Throws
 * `ErrandError('ERRAND_ENCODING_FAILED')` when the body cannot be encoded (the registry then sends
 * a safe 500); a user formatter's own exception propagates the same way.
 *
 * @example
 * renderProblem({ type: 'about:blank', title: 'Not Found', status: 404 }, { context: { error } })
 */
export function renderProblem(problem: ProblemDetails, options: RenderOptions): Response {
  return problemResponse(renderedProblem(problem, options));
}
