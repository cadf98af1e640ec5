// Its own module, free of @opentelemetry/api types: WorkerOptions names it, so its declaration ships
// in the public types, which must compile for users without @opentelemetry/api (skipLibCheck false).
/**
 * How a job attempt's span relates to the span that enqueued the job:
 * - `'link'`: each attempt starts its own trace, linked to the enqueuing span (OpenTelemetry's
 *   advice for messaging: a job may run long after the request, many times);
 * - `'child'`: each attempt is a child of the enqueuing span, in the request's trace.
 */
export type AttemptSpanParent = 'link' | 'child';
