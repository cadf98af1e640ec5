import { otelApi } from './otel-api.js';

/**
 * The trace id of the span active now (W3C, 32 hex digits), or `undefined` when there is none,
 * when OpenTelemetry is not installed or the span context is invalid. Problem bodies carry it as
 * `traceId`.
 */
export function activeTraceId(): string | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const span = api.trace.getActiveSpan();
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  return api.trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** The fields a log line gets from the active span: `{ traceId, spanId }`, or `{}` without one. */
export interface TraceLogFields {
  traceId?: string;
  spanId?: string;
}

/**
 * A pino `mixin`: adds `traceId` and `spanId` of the active span to every log line written while
 * one is active. errand's default logger uses it; pass it to your own pino logger for the same.
 *
 * @example
 * const logger = pino({ mixin: traceLogFields });
 */
export function traceLogFields(): TraceLogFields {
  const api = otelApi();
  if (api === undefined) return {};
  const spanContext = api.trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !api.trace.isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
