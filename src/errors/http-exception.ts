import { suspendStackFor } from './error-mode.js';
import { isErrorStatus, reasonPhrase } from './reason-phrases.js';

/** Recognises errand's HTTPException across duplicate copies of the package (no bare instanceof). */
const brand = Symbol.for('errand.HTTPException');

/** Options of {@link HTTPException}. */
export interface HTTPExceptionOptions {
  /** Headers sent with the response (`Allow`, `WWW-Authenticate`, `Retry-After`…). @default undefined */
  headers?: Record<string, string>;
  /** RFC 9457 `type` URI naming the problem type. @default 'about:blank' */
  type?: string;
  /** The error that led to this one; shown only in debug mode. @default undefined */
  cause?: unknown;
  /** Extra members of the problem body (RFC 9457 §3.2), e.g. `{ balance: 30 }`. @default undefined */
  extensions?: Record<string, unknown>;
  /** A stable machine-readable code sent as `code`. @default undefined */
  code?: string;
}

/**
 * An HTTP error a route throws on purpose, rendered as a problem response with its status, detail
 * and headers. In production, client errors (4xx) are built without a stack trace: they are
 * expected traffic, and stack capture is most of the cost of throwing.
 *
 * @example
 * throw new HTTPException(404, `no item ${id}`)
 * throw new HTTPException(429, undefined, { headers: { 'Retry-After': '30' } })
 */
export class HTTPException extends Error {
  // `declare`d, assigned in the constructor: class fields are defined one by one before the body
  // runs, which showed up in the cost of every throw. `name` and the brand live on the prototype.
  /** HTTP status (400..599; anything else is answered as 500). */
  declare readonly status: number;
  /** What went wrong; the reason phrase when not given. */
  declare readonly detail: string;
  declare readonly headers: Record<string, string> | undefined;
  declare readonly type: string | undefined;
  declare readonly extensions: Record<string, unknown> | undefined;
  declare readonly code: string | undefined;
  declare readonly [brand]: true;

  constructor(status: number, detail?: string, options?: HTTPExceptionOptions) {
    const safeStatus = isErrorStatus(status) ? status : 500;
    const text = detail ?? reasonPhrase(safeStatus);
    const limit = suspendStackFor(safeStatus);
    super(text, options?.cause === undefined ? undefined : { cause: options.cause });
    if (limit !== undefined) Error.stackTraceLimit = limit;
    this.status = safeStatus;
    this.detail = text;
    this.headers = options?.headers;
    this.type = options?.type;
    this.extensions = options?.extensions;
    this.code = options?.code;
  }
}

Object.defineProperty(HTTPException.prototype, 'name', { value: 'HTTPException', writable: true, enumerable: false, configurable: true });
Object.defineProperty(HTTPException.prototype, brand, { value: true, writable: false, enumerable: false, configurable: false });

/** Whether `value` is an errand {@link HTTPException}, from this copy of the package or another. */
export function isHTTPException(value: unknown): value is HTTPException {
  return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
}
