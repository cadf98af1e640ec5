import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ErrandError } from '../../errors/errand-error.js';
import { validationError, type ValidationLocation } from '../../errors/validation-error.js';

/** One Ajv error as Fastify reports it in `error.validation`. */
interface SchemaError {
  keyword?: unknown;
  instancePath?: unknown;
  message?: unknown;
  params?: { missingProperty?: unknown; additionalProperty?: unknown };
}

interface FastifyErrorLike {
  code?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

// Fastify's names for the parts of a request, as FastAPI's `loc` names them.
const locations: Record<string, ValidationLocation> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** RFC 6901 segments of an Ajv `instancePath` (`/items/0/name`). */
function pathSegments(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function issueOf(error: SchemaError): StandardSchemaV1.Issue {
  const path: (string | number)[] = pathSegments(error.instancePath).map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  // `required` and `additionalProperties` point at the parent object; the field they name is the one to report.
  const field = error.params?.missingProperty ?? error.params?.additionalProperty;
  if (typeof field === 'string') path.push(field);
  const issue: StandardSchemaV1.Issue & { code: string } = {
    message: typeof error.message === 'string' ? error.message : 'is invalid',
    path,
    code: typeof error.keyword === 'string' ? error.keyword : 'invalid',
  };
  return issue;
}

/**
 * Gives Fastify's own request errors errand's stable codes, so a Fastify app answers them as a Hono
 * app does: schema validation (`FST_ERR_VALIDATION`) → 422 `ERRAND_VALIDATION_FAILED` with one
 * `errors[]` entry per field (pointer, FastAPI `loc`, Ajv message and keyword); malformed or empty
 * JSON → 400 `ERRAND_MALFORMED_JSON`; body too large → 413 `ERRAND_PAYLOAD_TOO_LARGE`; unsupported
 * `Content-Type` → 415 `ERRAND_UNSUPPORTED_MEDIA_TYPE`. The original is the `cause`; anything else
 * is returned as it is (its `statusCode` and `code` are honoured by the registry).
 *
 * @example
 * fromFastify(error) // in a setErrorHandler of your own
 */
export function fromFastify(thrown: unknown): unknown {
  if (!(thrown instanceof Error)) return thrown;
  const { code, validation, validationContext } = thrown as FastifyErrorLike;
  if (Array.isArray(validation)) {
    const location = (typeof validationContext === 'string' ? locations[validationContext] : undefined) ?? 'body';
    const converted = validationError((validation as SchemaError[]).map(issueOf), location);
    // Not enumerable, as a `cause` given to a constructor is.
    Object.defineProperty(converted, 'cause', { value: thrown, configurable: true, writable: true });
    return converted;
  }
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ErrandError('ERRAND_MALFORMED_JSON', 'the request body is not valid JSON', { cause: thrown });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ErrandError('ERRAND_MALFORMED_JSON', 'the request body is empty but its Content-Type is application/json', { cause: thrown });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ErrandError('ERRAND_PAYLOAD_TOO_LARGE', 'the request body is larger than the body limit of this route', { cause: thrown });
    case 'FST_ERR_BAD_URL':
      return new ErrandError('ERRAND_BAD_URL', `${thrown.message}: the request path has a malformed percent-escape`, { cause: thrown });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ErrandError('ERRAND_UNSUPPORTED_MEDIA_TYPE', `${thrown.message}: no parser for this Content-Type`, { cause: thrown });
    default:
      return thrown;
  }
}
