import { isErrandError } from './errand-error.js';
import { isHTTPException } from './http-exception.js';
import type { FieldError } from './problem-details.js';
import { isErrorStatus, reasonPhrase } from './reason-phrases.js';

/** What an error says about the HTTP response it should become. */
export interface HttpErrorInfo {
  status: number;
  /** Text safe to send for this status (5xx text is still hidden in production by the renderer). */
  detail: string;
  headers?: Record<string, string>;
  type?: string;
  /** A code a client may see: errand's own, an `HTTPException`'s, or a foreign one on the allow-list (`ERRAND_*`, Fastify's `FST_*`). */
  code?: string;
  /** The code of an error errand did not make that is not on the allow-list (Node's `ECONNREFUSED`, zlib's `Z_DATA_ERROR`): sent in debug mode only. */
  foreignCode?: string;
  errors?: FieldError[];
  extensions?: Record<string, unknown>;
  /**
   * Whether production shows `detail`, `code` and `extensions`, as the error said (an
   * `HTTPException`'s or http-errors' `expose`); when absent, a 4xx shows them and a 5xx does not.
   */
  expose?: boolean;
}

interface StatusLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  headers?: unknown;
  code?: unknown;
  isBoom?: unknown;
  output?: { statusCode?: unknown; headers?: unknown; payload?: { message?: unknown } };
  res?: unknown;
  getResponse?: unknown;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record: Record<string, string> = {};
  let any = false;
  const entries = value instanceof Headers ? [...value.entries()] : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof item === 'string' || typeof item === 'number') {
      record[key] = String(item);
      any = true;
    }
  }
  return any ? record : undefined;
}

/** Headers of the `res` a Hono HTTPException may carry (e.g. `WWW-Authenticate` from basicAuth). */
function honoResponseHeaders(res: unknown): Record<string, string> | undefined {
  if (!(res instanceof Response)) return undefined;
  const headers = stringRecord(res.headers);
  if (headers) {
    delete headers['content-type'];
    delete headers['content-length'];
  }
  return headers;
}

// The codes of errors errand did not make that a client may see: errand's own (raised by another
// copy of errand) and Fastify's documented `FST_ERR_*`. Any other code (Node's `ECONNREFUSED`,
// zlib's `Z_DATA_ERROR`, a driver's) can name internals.
const shownCodes = /^(?:ERRAND|FST)_[A-Z0-9_]+$/;

function textOr(value: unknown, status: number): string {
  return typeof value === 'string' && value.length > 0 ? value : reasonPhrase(status);
}

/**
 * Reads the HTTP status (and detail, headers) an error carries: errand's HTTPException and
 * ErrandError, Hono's HTTPException, http-errors, @hapi/boom and Fastify-style errors
 * (`status`, `statusCode` or `output.statusCode` in 400..599). Duck-typed, so copies of those
 * packages from other versions are recognised too. `undefined` means "an unexpected error" (500).
 *
 * @example
 * httpErrorInfo(createError(404)) // { status: 404, detail: 'Not Found' }
 */
export function httpErrorInfo(error: Error): HttpErrorInfo | undefined {
  if (isHTTPException(error)) {
    return { status: error.status, detail: error.detail, headers: error.headers, type: error.type, code: error.code, extensions: error.extensions, expose: error.expose };
  }
  if (isErrandError(error) && isErrorStatus(error.status)) {
    return { status: error.status, detail: error.message, code: error.code, headers: error.headers, errors: error.errors };
  }
  const like = error as StatusLike;
  if (like.isBoom === true && like.output && isErrorStatus(like.output.statusCode)) {
    const status = like.output.statusCode;
    return { status, detail: textOr(like.output.payload?.message, status), headers: stringRecord(like.output.headers) };
  }
  const status = isErrorStatus(like.status) ? like.status : isErrorStatus(like.statusCode) ? like.statusCode : undefined;
  if (status === undefined) return undefined;
  // http-errors marks 5xx `expose: false`; respect an explicit `false` for 4xx too, and an explicit
  // `true` on a 5xx (`createError(503, 'back at 02:00', { expose: true })`).
  const detail = like.expose === false ? reasonPhrase(status) : textOr(error.message, status);
  const headers = typeof like.getResponse === 'function' ? honoResponseHeaders(like.res) : stringRecord(like.headers);
  const info: HttpErrorInfo = { status, detail, headers };
  if (typeof like.expose === 'boolean') info.expose = like.expose;
  if (typeof like.code === 'string') {
    if (shownCodes.test(like.code)) info.code = like.code;
    else info.foreignCode = like.code;
  }
  return info;
}
