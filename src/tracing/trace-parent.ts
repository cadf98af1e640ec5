import type { SpanContext } from '@opentelemetry/api';
import type { JobMeta } from '../jobs/job.js';
import type { OtelApi } from './otel-api.js';

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The W3C trace context headers (`traceparent`, and `tracestate` when there is one) of a span
 * context, written directly rather than through the app's registered propagator: a job must carry
 * its trace whatever propagators the app set up (none, B3, Jaeger).
 */
export function traceHeaders(spanContext: SpanContext): JobMeta {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const headers: JobMeta = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state !== undefined && state !== '') headers.tracestate = state;
  return headers;
}

/** The remote span context stored in a job's headers, or undefined when absent or malformed. */
export function spanContextFrom(api: OtelApi, meta: JobMeta | undefined): SpanContext | undefined {
  const match = meta?.traceparent === undefined ? null : traceparentPattern.exec(meta.traceparent);
  if (match === null || match[1] === 'ff') return undefined;
  const spanContext: SpanContext = { traceId: match[2] ?? '', spanId: match[3] ?? '', traceFlags: parseInt(match[4] ?? '0', 16), isRemote: true };
  if (meta?.tracestate !== undefined) spanContext.traceState = api.createTraceState(meta.tracestate);
  return api.trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The trace id in a job's stored `traceparent` (what the dashboard shows), or undefined. */
export function traceIdOf(meta: JobMeta | undefined): string | undefined {
  const match = meta?.traceparent === undefined ? null : traceparentPattern.exec(meta.traceparent);
  return match === null ? undefined : match[2];
}
