import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { ClaimedJob } from '../jobs/backend.js';
import type { JobMeta } from '../jobs/job.js';
import type { AttemptSpanParent } from './attempt-span-parent.js';
import { errandTracer, tracingApi } from './otel-api.js';
import { spanContextFrom, traceHeaders } from './trace-parent.js';

export type { AttemptSpanParent } from './attempt-span-parent.js';

const messagingSystem = 'errand';

/**
 * The `create` span of an enqueue (a child of the span active now) and the W3C headers that carry it
 * to the job's attempts; `undefined` when no tracer provider is registered (nothing is stored then).
 */
export function enqueueTraceMeta(task: string, jobId: string): JobMeta | undefined {
  const api = tracingApi();
  if (api === undefined) return undefined;
  const attributes: Attributes = {
    'messaging.system': messagingSystem,
    'messaging.operation.type': 'create',
    'messaging.operation.name': 'enqueue',
    'messaging.destination.name': task,
    'messaging.message.id': jobId,
  };
  const span = errandTracer(api).startSpan(`create ${task}`, { kind: api.SpanKind.PRODUCER, attributes });
  const meta = traceHeaders(span.spanContext());
  span.end();
  return meta;
}

/** One attempt's span and the context its handler runs in. */
export interface AttemptSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts the `process` span of one attempt: a new trace linked to the enqueuing span, or its child
 * (`parent: 'child'`). Without headers (a job enqueued untraced) the span starts a trace of its own.
 */
export function startAttemptSpan(job: ClaimedJob, parent: AttemptSpanParent): AttemptSpan | undefined {
  const api = tracingApi();
  if (api === undefined) return undefined;
  const producer = spanContextFrom(api, job.meta);
  const attributes: Attributes = {
    'messaging.system': messagingSystem,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': job.task,
    'messaging.message.id': job.jobId,
    'errand.job.attempt': job.attempt,
    'errand.job.max_attempts': job.maxAttempts,
  };
  const root = api.ROOT_CONTEXT;
  const parentContext = producer !== undefined && parent === 'child' ? api.trace.setSpanContext(root, producer) : root;
  const links = producer !== undefined && parent === 'link' ? [{ context: producer }] : [];
  const span = errandTracer(api).startSpan(`process ${job.task}`, { kind: api.SpanKind.CONSUMER, attributes, links, root: parentContext === root }, parentContext);
  return { span, context: api.trace.setSpan(parentContext, span) };
}

/** Runs `fn` (the handler) with the attempt's span active, so the handler's own spans are its children. */
export function runInAttemptSpan<T>(attempt: AttemptSpan | undefined, fn: () => T): T {
  const api = attempt === undefined ? undefined : tracingApi();
  if (attempt === undefined || api === undefined) return fn();
  return api.context.with(attempt.context, fn);
}

/** How an attempt ended, as its span records it. */
export type AttemptEnding =
  | { outcome: 'succeeded' }
  /** The handler threw or timed out; `retryAt` is when the job runs again, null when it is dead. */
  | { outcome: 'failed'; error: Error; retryAt: number | null }
  | { outcome: 'cancelled' | 'released' | 'lease-lost' };

/** Ends an attempt's span: a failure is an exception event and status ERROR, with whether and when the job retries. */
export function endAttemptSpan(attempt: AttemptSpan | undefined, ending: AttemptEnding): void {
  if (attempt === undefined) return;
  const { span } = attempt;
  span.setAttribute('errand.job.outcome', ending.outcome);
  if (ending.outcome === 'failed') {
    span.recordException(ending.error);
    span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: ending.error.message });
    span.setAttribute('errand.job.will_retry', ending.retryAt !== null);
    if (ending.retryAt !== null) span.setAttribute('errand.job.retry_at', new Date(ending.retryAt).toISOString());
  } else if (ending.outcome === 'lease-lost') {
    span.setStatus({ code: 2, message: 'the lease was lost: another worker owns the job now' });
  }
  span.end();
}
