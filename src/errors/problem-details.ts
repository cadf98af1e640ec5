/**
 * One validation failure inside a 422 problem.
 */
export interface FieldError {
  /** JSON Pointer (RFC 6901) to the failing field, e.g. `/items/0/price`. */
  pointer: string;
  /** FastAPI-style location: where the value came from, then the path (`["body", "items", 0, "price"]`). */
  loc: (string | number)[];
  /** What is wrong, for a human. */
  message: string;
  /** A stable machine-readable code (the validator's issue code when it has one). */
  code: string;
}

/**
 * An RFC 9457 problem details object: the one shape every errand failure takes on the wire, in a
 * job's `error` field and in logs.
 */
export interface ProblemDetails {
  /** URI reference naming the problem type; `about:blank` when the status says it all. */
  type: string;
  /** Short summary of the problem type (the HTTP reason phrase by default). */
  title: string;
  /** HTTP status code. */
  status: number;
  /** Explanation specific to this occurrence. Never an internal message for a 5xx in production. */
  detail?: string;
  /** URI reference of this occurrence (the request path for HTTP errors). */
  instance?: string;
  /** Stable errand error code (`ERRAND_…`) when errand itself raised the error. */
  code?: string;
  /** The request id that correlates this response with logs. */
  requestId?: string;
  /** The trace id (W3C, 32 hex digits) of the OpenTelemetry span active when the error was answered; only while one is. */
  traceId?: string;
  /** Validation failures, one per field. */
  errors?: FieldError[];
  /** Extension members (RFC 9457 §3.2). */
  [extension: string]: unknown;
}
