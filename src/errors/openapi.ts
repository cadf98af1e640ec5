import { errorCodes } from './error-codes.js';
import { fastApiExample, problemExample } from './problem-example.js';
import { reasonPhrase } from './reason-phrases.js';

/*
 * errand's error responses for an OpenAPI 3.1 document (FastAPI documents only its 422, and users
 * ask for every raised error: fastapi#1999). Schemas are JSON Schema 2020-12, which OpenAPI 3.1 uses.
 */

/** A JSON Schema, as OpenAPI 3.1 embeds it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** JSON Schema of one validation failure inside a 422 problem ({@link FieldError}). */
export const fieldErrorSchema: JsonSchema = {
  type: 'object',
  required: ['pointer', 'loc', 'message', 'code'],
  properties: {
    pointer: { type: 'string', description: 'JSON Pointer (RFC 6901) to the failing field, e.g. `/items/0/price`.' },
    loc: { type: 'array', items: { type: ['string', 'integer'] }, description: 'Where the value came from, then its path (`["body", "items", 0, "price"]`).' },
    message: { type: 'string' },
    code: { type: 'string', description: "The validator's issue code." },
  },
};

/**
 * JSON Schema of errand's default error body, RFC 9457 `application/problem+json`. Extension
 * members are allowed (RFC 9457 §3.2; debug mode adds `stack` and `cause`).
 */
export const problemDetailsSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'URI reference naming the problem type; `about:blank` when the status says it all.' },
    title: { type: 'string', description: 'The HTTP reason phrase unless the error gives its own.' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'What happened. Never an internal message for a 5xx in production.' },
    instance: { type: 'string', description: 'The request path.' },
    code: { type: 'string', description: `A stable code when errand raised the error: ${Object.keys(errorCodes).join(', ')}; or the application's own.` },
    requestId: { type: 'string', description: 'Correlates the response with the logs (also the `X-Request-Id` header).' },
    errors: { type: 'array', items: fieldErrorSchema, description: 'Validation failures, one per field (422).' },
  },
  additionalProperties: true,
};

/** JSON Schema of the error body with `format: 'fastapi'`: FastAPI's `{"detail": …}`. */
export const fastApiErrorSchema: JsonSchema = {
  type: 'object',
  required: ['detail'],
  properties: {
    detail: {
      oneOf: [
        { type: 'string' },
        {
          type: 'array',
          description: 'Validation failures (422), as FastAPI lists them.',
          items: {
            type: 'object',
            required: ['loc', 'msg', 'type'],
            properties: { loc: { type: 'array', items: { type: ['string', 'integer'] } }, msg: { type: 'string' }, type: { type: 'string' } },
          },
        },
      ],
    },
  },
};

/** An OpenAPI 3.1 Response Object, as this module builds it. */
export interface OpenApiResponse {
  description: string;
  headers: Record<string, { description: string; schema: JsonSchema }>;
  content: Record<string, { schema: JsonSchema; example?: Record<string, unknown> }>;
}

/** Options of {@link errorResponses}. */
export interface ErrorResponsesOptions {
  /**
   * The envelope the app sends (the `format` given to errand): `'problem'` or `'fastapi'`. An app
   * with its own formatter passes `schema` instead.
   * @default 'problem'
   */
  format?: 'problem' | 'fastapi';
  /** Schema of the body, for an app with its own formatter. @default the `format`'s schema */
  schema?: JsonSchema;
  /**
   * Name under `#/components/schemas/` that responses refer to, or `false` to put the schema in
   * every response. {@link withErrorResponses} adds the component itself, unless the document
   * already has one of that name (then pick another name).
   * @default 'ProblemDetails' ('HTTPValidationError' for `format: 'fastapi'`, 'Error' with `schema`)
   */
  ref?: string | false;
  /** The request id header the app sends (errand's `requestIdHeader` option). @default 'X-Request-Id' */
  requestIdHeader?: string;
}

const requestIdHeader = { description: 'The request id, also in the body; finds the request in the logs.', schema: { type: 'string' } };

// Headers errand sends with these statuses (ErrandError and HTTPException `headers`).
const statusHeaders: Readonly<Record<number, Record<string, { description: string; schema: JsonSchema }>>> = {
  405: { Allow: { description: 'The methods the path accepts.', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
};

interface ErrorBody {
  name: string;
  schema: JsonSchema;
  mediaType: string;
  /** An example body per status; none for an app's own schema, whose shape errand does not know. */
  example?: (status: number) => Record<string, unknown>;
}

function bodyOf(options: ErrorResponsesOptions): ErrorBody {
  if (options.schema !== undefined) return { name: 'Error', schema: options.schema, mediaType: 'application/json' };
  if (options.format === 'fastapi') return { name: 'HTTPValidationError', schema: fastApiErrorSchema, mediaType: 'application/json', example: fastApiExample };
  return { name: 'ProblemDetails', schema: problemDetailsSchema, mediaType: 'application/problem+json', example: problemExample };
}

/**
 * OpenAPI Response objects for these error statuses, keyed by status code, in the envelope the app
 * sends: with `X-Request-Id`, `Allow` (405) or `Retry-After` (429, 503) where errand sends them, and
 * an example body of that status (none with an app's own `schema`).
 * For a document written by hand or by a route-level generator (`@hono/zod-openapi`'s `responses`).
 *
 * @example
 * const route = createRoute({ method: 'get', path: '/items/{name}', responses: { 200: ok, ...errorResponses([404, 418]) } });
 */
export function errorResponses(statuses: readonly number[], options: ErrorResponsesOptions = {}): Record<string, OpenApiResponse> {
  const body = bodyOf(options);
  const ref = options.ref ?? body.name;
  const responses: Record<string, OpenApiResponse> = {};
  for (const status of statuses) {
    // Each response its own objects: a caller editing one document must not edit another, or these constants.
    const schema: JsonSchema = ref === false ? structuredClone(body.schema) : { $ref: `#/components/schemas/${ref}` };
    responses[String(status)] = {
      description: reasonPhrase(status),
      headers: structuredClone({ [options.requestIdHeader ?? 'X-Request-Id']: requestIdHeader, ...statusHeaders[status] }),
      content: { [body.mediaType]: body.example === undefined ? { schema } : { schema, example: body.example(status) } },
    };
  }
  return responses;
}

/**
 * The parts of an OpenAPI 3.x document {@link withErrorResponses} reads and writes. Loose on purpose:
 * generators type their documents with interfaces of their own (openapi3-ts, openapi-types).
 */
export interface OpenApiDocumentLike {
  paths?: object;
  components?: object;
}

type PathItem = Record<string, unknown> & { parameters?: unknown };
type Operation = { requestBody?: unknown; parameters?: unknown; responses?: Record<string, unknown> };

/** Options of {@link withErrorResponses}. */
export interface WithErrorResponsesOptions extends ErrorResponsesOptions {
  /**
   * Statuses every operation can answer. Add 503 when `background()` guards every route (its
   * in-flight bound and shutdown refusals).
   * @default [500]
   */
  always?: readonly number[];
  /**
   * Statuses of operations that take a request body: malformed JSON, too large, wrong media type,
   * failed validation.
   * @default [400, 413, 415, 422]
   */
  withBody?: readonly number[];
  /**
   * Statuses of operations with parameters (path, query, header): failed validation.
   * @default [422]
   */
  withParameters?: readonly number[];
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * A copy of `document` where every operation also documents the errors errand answers for it:
 * `always` on each one, `withBody` where it has a `requestBody`, `withParameters` where it has
 * parameters (its own or its path's). A response the document already has for a status is kept.
 * The body schema is added under `components.schemas` unless `ref` is `false`.
 *
 * @example
 * app.get('/openapi.json', (c) => c.json(withErrorResponses(generatedDocument, { always: [500, 503] })));
 */
export function withErrorResponses<Document extends OpenApiDocumentLike>(document: Document, options: WithErrorResponsesOptions = {}): Document & { components: { schemas: Record<string, unknown> } } {
  const copy = structuredClone(document) as Document & { paths?: Record<string, PathItem | undefined>; components?: { schemas?: Record<string, unknown> } };
  const always = options.always ?? [500];
  const withBody = options.withBody ?? [400, 413, 415, 422];
  const withParameters = options.withParameters ?? [422];
  for (const pathItem of Object.values(copy.paths ?? {})) {
    if (pathItem === undefined) continue;
    const pathHasParameters = hasItems(pathItem.parameters);
    for (const method of methods) {
      const operation = pathItem[method] as Operation | undefined;
      if (typeof operation !== 'object' || operation === null) continue;
      const statuses = new Set(always);
      if (operation.requestBody !== undefined) for (const status of withBody) statuses.add(status);
      if (pathHasParameters || hasItems(operation.parameters)) for (const status of withParameters) statuses.add(status);
      const responses = (operation.responses ??= {});
      for (const [status, response] of Object.entries(errorResponses([...statuses].sort((a, b) => a - b), options))) responses[status] ??= response;
    }
  }
  const body = bodyOf(options);
  const ref = options.ref ?? body.name;
  const components = (copy.components ??= {});
  const schemas = (components.schemas ??= {});
  if (ref !== false) schemas[ref] ??= structuredClone(body.schema);
  return copy as Document & { components: { schemas: Record<string, unknown> } };
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
