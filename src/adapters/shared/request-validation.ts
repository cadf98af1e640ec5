import type { IncomingHttpHeaders } from 'node:http';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ErrandError } from '../../errors/errand-error.js';
import { validationError, type ValidationLocation } from '../../errors/validation-error.js';

/** What `validate` can check, named as Hono names them: the JSON body, the query, the path params, the headers. */
export type ValidationTarget = 'json' | 'query' | 'param' | 'header';

/** FastAPI's `loc` name of each target. */
export const validationLocations: Readonly<Record<ValidationTarget, ValidationLocation>> = { json: 'body', query: 'query', param: 'path', header: 'header' };

const jsonType = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * Whether the request carries a JSON body, judged from its headers as every adapter judges it:
 * `false` with no body (`Content-Length: 0` included) and no `Content-Type` (a missing body, which the schema then judges: 422 when
 * it is required, as FastAPI answers); `true` for a JSON media type; otherwise it throws 415
 * `ERRAND_UNSUPPORTED_MEDIA_TYPE` (a form on a JSON route).
 */
export function expectsJsonBody(headers: IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  // `Content-Length: 0` is no body: fetch, node:http and httpx send it on every bodiless POST.
  const length = headers['content-length'];
  const hasBody = (length !== undefined && Number(length) !== 0) || headers['transfer-encoding'] !== undefined;
  if (contentType === undefined && !hasBody) return false;
  const mediaType = (contentType ?? '').split(';', 1)[0].trim();
  if (!jsonType.test(mediaType)) {
    throw new ErrandError('ERRAND_UNSUPPORTED_MEDIA_TYPE', `expected a JSON body (Content-Type: application/json), got ${mediaType === '' ? 'no Content-Type' : JSON.stringify(mediaType.slice(0, 100))}`);
  }
  return true;
}

/** JSON text as a value: blank text is no body (`undefined`); anything unparsable is 400 `ERRAND_MALFORMED_JSON`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ErrandError('ERRAND_MALFORMED_JSON', `the request body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`, { cause: error });
  }
}

/** A query or header record with one value per name as a string, several as an array (as Hono's `validate` sees them). */
export function singleValues(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) out[key] = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  }
  return out;
}

/**
 * Runs `schema` on `value`: its output, or a thrown 422 `ERRAND_VALIDATION_FAILED` listing every
 * issue (JSON Pointer, FastAPI `loc`, message, code).
 */
export async function checkValue<Schema extends StandardSchemaV1>(target: ValidationTarget, schema: Schema, value: unknown): Promise<StandardSchemaV1.InferOutput<Schema>> {
  const result = await schema['~standard'].validate(value);
  if (result.issues !== undefined) throw validationError(result.issues, validationLocations[target]);
  return result.value;
}

/** The query of a request URL (`/items?tag=a&tag=b`) as `validate('query')` sees it: `{ tag: ['a', 'b'] }`, a single value as a string. */
export function queryValues(url: string): Record<string, unknown> {
  const all: Record<string, string[]> = {};
  for (const [key, value] of new URL(url, 'http://localhost').searchParams) (all[key] ??= []).push(value);
  return singleValues(all);
}
