import type { Context, Span } from '@opentelemetry/api';
import { errandTracer, tracingApi } from './otel-api.js';

/**
 * The OpenTelemetry context active where a task was added (the request's, holding the host's request
 * span), or `undefined` when no tracer provider is registered. Kept as an opaque object so no
 * OpenTelemetry type reaches errand's public types.
 */
export function captureTraceContext(): object | undefined {
  return tracingApi()?.context.active();
}

/** What a task span records about its task. */
export interface TaskSpanInfo {
  name: string;
  requestId: string | undefined;
  index: number;
}

/** A task's span and the context its code runs in (the span made active under the request's). */
export interface TaskSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the span of one in-process after-response task, as a child of the span active where it was
 * added (`parent`, from {@link captureTraceContext}). `undefined` when the task was added without a
 * tracer provider registered: nothing is traced then.
 */
export function startTaskSpan(parent: object | undefined, info: TaskSpanInfo): TaskSpan | undefined {
  if (parent === undefined) return undefined;
  const api = tracingApi();
  if (api === undefined) return undefined;
  const attributes: Record<string, string | number> = { 'errand.task.name': info.name, 'errand.task.index': info.index };
  if (info.requestId !== undefined) attributes['errand.request_id'] = info.requestId;
  const span = errandTracer(api).startSpan(`task ${info.name}`, { kind: api.SpanKind.INTERNAL, attributes }, parent as Context);
  return { span, context: api.trace.setSpan(parent as Context, span) };
}

/** Runs `fn` with the task's span active (so the task's own spans are its children). */
export function runInTaskSpan<T>(taskSpan: TaskSpan | undefined, fn: () => T): T {
  const api = taskSpan === undefined ? undefined : tracingApi();
  if (taskSpan === undefined || api === undefined) return fn();
  return api.context.with(taskSpan.context, fn);
}

/** Runs `fn` in the context captured where a task was added (a durable task's enqueue then carries the request's trace). */
export function runInTraceContext<T>(context: object | undefined, fn: () => T): T {
  const api = context === undefined ? undefined : tracingApi();
  if (context === undefined || api === undefined) return fn();
  return api.context.with(context as Context, fn);
}

/** How a traced run ended, as its span records it. */
export type SpanEnding = { status: 'succeeded' } | { status: 'failed' | 'timed-out' | 'interrupted'; error: Error };

/** Ends a span: an error is recorded as an exception event and the span's status is ERROR. */
export function endSpan(span: Span | undefined, ending: SpanEnding): void {
  if (span === undefined) return;
  if (ending.status !== 'succeeded') {
    span.recordException(ending.error);
    span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: ending.error.message });
    if (ending.status !== 'failed') span.setAttribute('errand.outcome', ending.status);
  }
  span.end();
}
