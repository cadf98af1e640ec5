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
  /**
   * Whether a client may see `detail`, `code` and `extensions` in production (http-errors'
   * `expose`). A 5xx is hidden by default: production answers it with a fixed sentence, errand's
   * code and nothing else. `true` opts a 5xx the app means to explain (a 503 for maintenance, a 507
   * for a full disk) into showing them; `false` hides a 4xx's (its detail becomes the reason
   * phrase). Debug mode shows everything either way; the stack and `cause` never leave the
   * process in production.
   * @default status < 500
   * @example
   * throw new HTTPException(507, 'the data directory is full', { code: 'APP_STORAGE_FULL', expose: true })
   */
  expose?: boolean;
}

/**
 * An HTTP error a route throws on purpose, rendered as a problem response with its status, detail
 * and headers. In production, client errors (4xx) are built without a stack trace: they are
 * expected traffic, and stack capture is most of the cost of throwing.
 *
 * @example
 * throw new HTTPException(404, `no item ${id}`)
 * throw new HTTPException(429, undefined, { headers: { 'Retry-After': '30' } })
 * throw new HTTPException(503, 'down for maintenance until 02:00 UTC', { code: 'APP_MAINTENANCE', expose: true })
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
  /** Whether production shows `detail`, `code` and `extensions` (see {@link HTTPExceptionOptions.expose}). */
  declare readonly expose: boolean;
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
    this.expose = options?.expose ?? safeStatus < 500;
  }
}

Object.defineProperty(HTTPException.prototype, 'name', { value: 'HTTPException', writable: true, enumerable: false, configurable: true });
Object.defineProperty(HTTPException.prototype, brand, { value: true, writable: false, enumerable: false, configurable: false });

/** Whether `value` is an errand {@link HTTPException}, from this copy of the package or another. */
export function isHTTPException(value: unknown): value is HTTPException {
  return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
}
