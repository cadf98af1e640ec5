/**
 * The catalogue of every error errand itself raises. Codes are stable: they never change meaning
 * and are never reused. Each one is documented in docs/errors.md (a test checks that).
 */
export interface ErrorCodeInfo {
  /** HTTP status used when this error reaches a client. */
  status: number;
  /** What happened, and what to do about it. */
  description: string;
  /**
   * A 5xx that is the server protecting itself (load shedding, shutdown), not a fault. In
   * production it is built without a stack trace, and the registry logs it at `warn`, at most once
   * a second per code with the count of the others: under overload, refusing a request must cost
   * less than serving it, and must not flood the logs. @default false
   */
  expected?: boolean;
}

/**
 * Every code errand itself answers with, and for each its status, title and whether it is an
 * expected refusal (the table in docs/errors.md#error-codes).
 */
export const errorCodes = {
  // HTTP
  ERRAND_NOT_FOUND: { status: 404, description: 'No route matches the request path. Register a 404 handler to customise the body.' },
  ERRAND_METHOD_NOT_ALLOWED: { status: 405, description: 'The path exists but not for this method; the `Allow` header lists the methods it accepts.' },
  ERRAND_BAD_URL: { status: 400, description: 'The request path has a malformed percent-escape (`%zz`, or bytes that are not UTF-8) and cannot be decoded. Fix the client\'s URL encoding.' },
  ERRAND_MALFORMED_JSON: { status: 400, description: 'The request body is not valid JSON. Send a well-formed JSON document.' },
  ERRAND_MALFORMED_MULTIPART: { status: 400, description: 'The request body is not well-formed `multipart/form-data` (no boundary, a part cut off, a body that ends before its closing boundary). Send a complete multipart body with the boundary its `Content-Type` declares.' },
  ERRAND_VALIDATION_FAILED: { status: 422, description: 'The request (body, query, params or headers) does not match its schema; `errors[]` names each failing field.' },
  ERRAND_PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body exceeds the configured limit; the body was not read past the limit.' },
  ERRAND_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The request `Content-Type` is not one the route accepts.' },
  ERRAND_BAD_CONTENT_ENCODING: { status: 400, description: 'The request body does not decode with its declared `Content-Encoding` (a body declared `gzip` that is not gzip, or is cut short). Send the body encoded as declared, or without the header.' },
  ERRAND_MALFORMED_REQUEST: { status: 400, description: "Node's HTTP parser refused the request before any route saw it: a malformed request line, header or chunk, a bad `Content-Length`, both `Content-Length` and `Transfer-Encoding`. Answered on the socket, with `Connection: close`. Fix the client (or the proxy in front of the server)." },
  ERRAND_HEADERS_TOO_LARGE: { status: 431, description: "The request's header block (request line and headers) is over Node's `maxHeaderSize` (16 KiB by default), or has too many headers for Node to accept. Send fewer or smaller headers (cookies, tokens), or raise `--max-http-header-size`." },
  ERRAND_CHUNK_EXTENSIONS_TOO_LARGE: { status: 413, description: "The chunk extensions of a chunked request body are over Node's limit (16 KiB); Node's parser refused the body." },
  ERRAND_REQUEST_TIMEOUT: { status: 408, description: "The client did not send the whole request (headers: the server's `headersTimeout`; the request: its `requestTimeout`) in time. Answered on the socket when it can still be written." },
  ERRAND_CLIENT_DISCONNECTED: { status: 499, description: 'The client closed the connection before the request was complete (nginx\'s 499). Not a server error: logged at the client-error level, never counted as a 5xx.' },
  ERRAND_INTERNAL: { status: 500, description: 'An unexpected error. Its message is hidden in production; the request id finds it in the logs.' },
  ERRAND_ENCODING_FAILED: { status: 500, description: 'A response body could not be encoded as JSON (for example it contains a cycle).' },
  ERRAND_HANDLER_FAILED: { status: 500, description: 'Every registered error handler for this error threw; the last-resort 500 was sent and both errors were logged.' },
  ERRAND_REGISTRY_CONFLICT: { status: 500, description: 'Two error handlers were registered for the same key, or one can never be reached. Reported at startup.' },
  ERRAND_OVERLOADED: { status: 503, expected: true, description: 'The process has as many after-response tasks in flight as it allows; retry after the `Retry-After` delay. Logged at `warn`, at most once a second with a count.' },
  ERRAND_SHUTTING_DOWN: { status: 503, expected: true, description: 'The server is shutting down and takes no new requests; retry against another instance. Logged at `warn`, at most once a second with a count.' },
  // After-response tasks
  ERRAND_TASK_FAILED: { status: 500, description: 'An after-response task threw or rejected. The error is reported to the task-error handlers and logged with the request id.' },
  ERRAND_TASK_TIMEOUT: { status: 500, description: 'An after-response task ran past its timeout; its AbortSignal was aborted.' },
  ERRAND_TASK_DROPPED: { status: 500, description: 'An after-response task could not run (shutdown deadline, or the in-flight bound with the drop policy) and was not moved to the durable queue.' },
  ERRAND_QUEUE_MISSING: { status: 500, description: 'A defined task was added with `durable: true` but the background runner has no queue. Pass `queue` to createTaskRunner or background().' },
  // Durable jobs
  ERRAND_JOB_NOT_FOUND: { status: 404, description: 'No job has this id (it never existed, or it finished and was pruned after its retention time).' },
  ERRAND_JOB_PAYLOAD_INVALID: { status: 422, description: "The job payload does not match the task's schema (checked at enqueue and again when the job runs), or cannot be stored as JSON (nested too deeply, a BigInt, a cycle)." },
  ERRAND_JOB_KEY_INVALID: { status: 422, description: 'The `key` given to enqueue cannot be stored (it holds a NUL character, U+0000, which Postgres text refuses); refused the same way on every backend. Remove the character from the key.' },
  ERRAND_LEASE_LOST: { status: 409, description: "The worker's lease on the job expired or was taken over; its late completion was rejected (fencing)." },
  ERRAND_LEASE_EXPIRED: { status: 500, description: 'The worker running the job stopped renewing its lease (it died or stalled); the attempt counts as failed and the job runs again.' },
  ERRAND_JOB_TIMEOUT: { status: 500, description: "The job ran past its task's timeout; its AbortSignal was aborted and the attempt failed." },
  ERRAND_JOB_CANCELLED: { status: 409, description: 'The job was cancelled; a running handler sees its AbortSignal aborted.' },
  ERRAND_SCHEDULE_NOT_FOUND: { status: 404, description: 'No schedule has this name (schedules are stored when a worker declaring them starts; a deploy that drops one removes it).' },
  ERRAND_JOB_NOT_RETRYABLE: { status: 409, description: 'Only dead or cancelled jobs can be retried by hand.' },
  ERRAND_JOB_STATE_CONFLICT: { status: 409, description: 'The job is in a state that does not allow this action: a finished job cannot be cancelled, a running job cannot be deleted (cancel it first).' },
  ERRAND_UNRECOVERABLE: { status: 500, description: 'The handler threw UnrecoverableError: the job went straight to dead without further retries.' },
  ERRAND_BACKEND_UNAVAILABLE: { status: 503, description: 'The job backend (SQLite file or Redis) could not be reached or answered with an error.' },
  ERRAND_TX_UNSUPPORTED: { status: 500, description: "`enqueue(…, { tx })` cannot write in this transaction: the backend has no transactional enqueue (Redis: enqueue into an outbox instead), the `tx` is not a kind it knows, or it is not inside a transaction." },
  ERRAND_BACKEND_CONFIG: { status: 500, description: 'The queue configuration (for example ERRAND_QUEUE) is not a URL errand understands.' },
  // Installation
  ERRAND_PEER_MISSING: { status: 500, description: 'A subpath was imported (or a SQLite queue opened) without the optional peer package it needs; the message names the `npm i` line to run.' },
  // OpenAPI
  ERRAND_SCHEMA_NOT_DOCUMENTABLE: { status: 500, description: '`toJsonSchema` (or `jsonSchemaTransform`) was given a value that is not a Standard Schema, a schema without Standard JSON Schema (valibot unwrapped, zod before 4.2, arktype before 2.1.28), or one its library cannot express as JSON Schema; the message names the library and the fix. Raised when the document is built.' },
  // Dashboard
  ERRAND_UNAUTHORIZED: { status: 401, description: 'The dashboard needs credentials (token or basic auth) outside dev mode on localhost; /metrics needs its bearer token when one is configured.' },
  ERRAND_CSRF: { status: 403, description: 'A dashboard action came without a valid CSRF token.' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable errand error code. */
export type ErrorCode = keyof typeof errorCodes;

/** Whether `code` is an {@link ErrorCodeInfo.expected} refusal rather than a fault. */
export function isExpectedCode(code: string): boolean {
  return (errorCodes as Record<string, ErrorCodeInfo | undefined>)[code]?.expected === true;
}

/** Whether `value` is one of errand's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
