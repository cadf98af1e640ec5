import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ErrandError } from './errand-error.js';
import type { ErrorCode } from './error-codes.js';
import type { FieldError } from './problem-details.js';

/**
 * Where a validated value came from, named as FastAPI names it in `loc`: `body`, `query`, `path`,
 * `header` (or anything else, e.g. `payload` for a job).
 */
export type ValidationLocation = 'body' | 'query' | 'path' | 'header' | 'cookie' | 'form' | (string & {});

function segmentOf(segment: PropertyKey | StandardSchemaV1.PathSegment): string | number {
  const key = typeof segment === 'object' ? segment.key : segment;
  if (typeof key === 'number') return key;
  return typeof key === 'symbol' ? (key.description ?? 'symbol') : key;
}

/** RFC 6901 escaping: `~` → `~0`, `/` → `~1`. */
function pointerOf(path: (string | number)[]): string {
  return path.map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

function issueCode(issue: StandardSchemaV1.Issue): string {
  // zod and arktype say `code`, valibot says `type`; the spec itself has neither.
  const { code, type } = issue as { code?: unknown; type?: unknown };
  if (typeof code === 'string') return code;
  if (typeof type === 'string') return type;
  return 'invalid';
}

/**
 * Standard Schema issues as errand field errors: JSON Pointer, FastAPI `loc`, message and code.
 *
 * @example
 * fieldErrorsFromIssues(result.issues, 'body')
 * // [{ pointer: '/items/0/price', loc: ['body', 'items', 0, 'price'], message: '…', code: 'too_small' }]
 */
export function fieldErrorsFromIssues(issues: readonly StandardSchemaV1.Issue[], location: ValidationLocation): FieldError[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map(segmentOf);
    return { pointer: pointerOf(path), loc: [location, ...path], message: issue.message, code: issueCode(issue) };
  });
}

/**
 * The error for a failed validation: an `ErrandError` with `errors[]` (422 by default).
 *
 * @example
 * if (result.issues) throw validationError(result.issues, 'query')
 */
export function validationError(issues: readonly StandardSchemaV1.Issue[], location: ValidationLocation, code: ErrorCode = 'ERRAND_VALIDATION_FAILED'): ErrandError {
  const errors = fieldErrorsFromIssues(issues, location);
  const fields = errors.map((error) => error.pointer || '/').join(', ');
  return new ErrandError(code, `${location} failed validation (${errors.length} issue${errors.length === 1 ? '' : 's'}: ${fields})`, { errors });
}
