import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createTaskRunner } from '../../src/tasks/task-runner.js';
import { problemFromError } from '../../src/errors/problem-from-error.js';
import { HTTPException } from '../../src/errors/http-exception.js';
import { traceLogFields } from '../../src/tracing/trace-id.js';
import { installTracing, parentSpanId } from './tracing-sdk.js';
import { createMemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { createDashboard } from '../../src/dashboard/create-dashboard.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue } from '../../src/jobs/queue.js';

const tracing = installTracing();
afterAll(() => tracing.uninstall());

const quiet = { error() {}, warn() {}, info() {} };

describe('after-response tasks under OpenTelemetry', () => {
  it('runs each task in its own span, a child of the span active where it was added, with a failure recorded on its span', async () => {
    const errors: Record<string, unknown>[] = [];
    const runner = createTaskRunner({ logger: { ...quiet, error: (fields: object) => errors.push(fields as Record<string, unknown>) }, taskTimeoutMs: 30_000 });
    const tracer = trace.getTracer('test');
    const request = tracer.startSpan('GET /register');
    const batch = runner.createBatch({ requestId: 'req-7' });
    let innerParent: string | undefined;
    context.with(trace.setSpan(context.active(), request), () => {
      batch.add(function sendWelcome() {
        // A span the task itself starts is a child of the task's span.
        tracer.startSpan('smtp').end();
        innerParent = trace.getActiveSpan()?.spanContext().spanId;
      });
      batch.add({ name: 'audit' }, () => Promise.reject(new Error('audit store down')));
    });
    request.end();
    runner.start(batch, 200);
    await runner.onIdle();

    const welcome = tracing.span('task sendWelcome');
    const audit = tracing.span('task audit');
    const requestId = request.spanContext().spanId;
    expect(parentSpanId(welcome)).toBe(requestId);
    expect(parentSpanId(audit)).toBe(requestId);
    expect(welcome.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(innerParent).toBe(welcome.spanContext().spanId);
    expect(parentSpanId(tracing.span('smtp'))).toBe(welcome.spanContext().spanId);
    expect(welcome.attributes).toMatchObject({ 'errand.task.name': 'sendWelcome', 'errand.request_id': 'req-7' });
    expect(welcome.status.code).toBe(SpanStatusCode.UNSET);
    expect(audit.status).toEqual({ code: SpanStatusCode.ERROR, message: 'audit store down' });
    expect(audit.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([['exception', 'audit store down']]);
    // The failure's log line carries the request's trace id, though the task's span has ended.
    expect(errors).toEqual([expect.objectContaining({ code: 'ERRAND_TASK_FAILED', task: 'audit', requestId: 'req-7', traceId: request.spanContext().traceId })]);
  });

  it('records a timed-out task as an error on its span', async () => {
    const runner = createTaskRunner({ logger: quiet });
    const batch = runner.createBatch();
    const request = trace.getTracer('test').startSpan('slow request');
    context.with(trace.setSpan(context.active(), request), () => {
      batch.add({ name: 'stuck', timeout: 20 }, () => new Promise(() => {}));
    });
    request.end();
    runner.start(batch, 200);
    await runner.onIdle();
    const stuck = tracing.span('task stuck');
    expect(stuck.status.code).toBe(SpanStatusCode.ERROR);
    expect(stuck.attributes['errand.outcome']).toBe('timed-out');
  });

  it('puts the active trace id in problem bodies and log fields, and nothing outside a span', () => {
    const span = trace.getTracer('test').startSpan('request');
    const inside = context.with(trace.setSpan(context.active(), span), () => ({
      problem: problemFromError(new HTTPException(404), { mode: 'production' }).problem,
      fields: traceLogFields(),
    }));
    span.end();
    expect(inside.problem.traceId).toBe(span.spanContext().traceId);
    expect(inside.fields).toEqual({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(problemFromError(new HTTPException(404), { mode: 'production' }).problem).not.toHaveProperty('traceId');
    expect(traceLogFields()).toEqual({});
  });
});

describe('the dashboard job page', () => {
  it('answers each job with the trace id of its enqueue (outside a request, the enqueue starts a trace of its own)', async () => {
    const backend = createMemoryBackend();
    const queue = createQueue({ backend });
    const task = defineTask('noted', { handler: () => undefined });
    const span = trace.getTracer('test').startSpan('request');
    const traced = await context.with(trace.setSpan(context.active(), span), () => queue.enqueue(task, undefined));
    span.end();
    const outside = await queue.enqueue(task, undefined);
    const dashboard = createDashboard({ backend, auth: { token: 't' } });
    const view = async (id: string) => (await dashboard.request(`/api/jobs/${id}`, { headers: { authorization: 'Bearer t' } })).json() as Promise<{ traceId?: string; meta?: { traceparent?: string } }>;
    const tracedView = await view(traced);
    expect(tracedView.traceId).toBe(span.spanContext().traceId);
    expect(tracedView.meta?.traceparent).toMatch(new RegExp(`^00-${span.spanContext().traceId}-[0-9a-f]{16}-01$`));
    const outsideView = await view(outside);
    expect(outsideView.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outsideView.traceId).not.toBe(span.spanContext().traceId);
    await backend.close();
  });
});
