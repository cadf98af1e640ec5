import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, defineTask, type JobBackend, type WorkerLogger } from '../../src/jobs/index.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { installTracing, type TestTracing } from '../tracing/tracing-sdk.js';
import { useMemoryWorkers } from './memory-workers.js';

// How each way an attempt ends shows on its `process` span (docs/tracing.md), through the public
// API on a real memory backend with the real OpenTelemetry SDK registered (spans kept in memory).
// Here, not only in test/tracing, so that the mutation run of src/jobs sees these assertions.

const quiet: WorkerLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const { memory, start } = useMemoryWorkers();

let tracing: TestTracing;
beforeAll(() => void (tracing = installTracing()));
afterAll(async () => tracing.uninstall());

/** The finished `process <task>` spans of one job, by attempt. */
function attemptSpans(jobId: string): ReadableSpan[] {
  return tracing
    .spans()
    .filter((span) => span.attributes['messaging.message.id'] === jobId && span.attributes['messaging.operation.type'] === 'process')
    .sort((a, b) => Number(a.attributes['errand.job.attempt']) - Number(b.attributes['errand.job.attempt']));
}

/** A handler that waits until its attempt is aborted, and says when it started. */
function waitsForAbort(): { started: () => boolean; handler: (payload: null, context: { signal: AbortSignal }) => Promise<void> } {
  let started = false;
  return {
    started: () => started,
    handler: async (_payload, { signal }) => {
      started = true;
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    },
  };
}

describe('attempt spans', () => {
  it("links an attempt to its enqueue: the job stores the create span's traceparent, and the process span links to it", async () => {
    const backend = memory();
    const linked = defineTask('linked', { handler: () => undefined });
    const id = await createQueue({ backend }).enqueue(linked, null);
    const create = tracing.spans().find((span) => span.name === 'create linked' && span.attributes['messaging.message.id'] === id);
    expect(create).toBeDefined();
    const traceparent = (await backend.get(id))?.meta?.traceparent;
    expect(traceparent).toBe(`00-${create?.spanContext().traceId}-${create?.spanContext().spanId}-01`);
    start(backend, { tasks: [linked], logger: quiet });
    await eventually(() => expect(attemptSpans(id)).toHaveLength(1));
    expect(attemptSpans(id)[0]?.links.map((link) => link.context.spanId)).toEqual([create?.spanContext().spanId]);
  });

  it('ends a successful attempt as succeeded, status unset, with the handler running inside the span', async () => {
    const backend = memory();
    let activeInHandler: string | undefined;
    const greet = defineTask('greet', { handler: () => void (activeInHandler = trace.getActiveSpan()?.spanContext().spanId) });
    const id = await createQueue({ backend }).enqueue(greet, null);
    start(backend, { tasks: [greet], logger: quiet });
    await eventually(() => expect(attemptSpans(id)).toHaveLength(1));
    const [span] = attemptSpans(id);
    expect(span?.name).toBe('process greet');
    expect(span?.attributes['errand.job.outcome']).toBe('succeeded');
    expect(span?.status.code).toBe(0);
    expect(span?.events).toEqual([]);
    expect(activeInHandler).toBe(span?.spanContext().spanId);
  });

  it('ends a failed attempt as failed with the exception, status ERROR and when it runs again; the last one will not retry', async () => {
    const backend = memory();
    const warnings: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    const logger: WorkerLogger = { ...quiet, warn: (fields) => void warnings.push(fields as Record<string, unknown>), error: (fields) => void errors.push(fields as Record<string, unknown>) };
    const flaky = defineTask('flaky', {
      retries: 1,
      backoff: { type: 'fixed', delayMs: 10 },
      handler: () => {
        throw new Error('upstream refused');
      },
    });
    const id = await createQueue({ backend }).enqueue(flaky, null);
    start(backend, { tasks: [flaky], logger });
    await eventually(() => expect(attemptSpans(id)).toHaveLength(2));
    const [first, last] = attemptSpans(id);
    for (const span of [first, last]) {
      expect(span?.attributes['errand.job.outcome']).toBe('failed');
      expect(span?.status).toEqual({ code: 2, message: 'upstream refused' });
      expect(span?.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([['exception', 'upstream refused']]);
    }
    expect(first?.attributes['errand.job.will_retry']).toBe(true);
    expect(new Date(String(first?.attributes['errand.job.retry_at'])).toISOString()).toBe(first?.attributes['errand.job.retry_at']);
    expect(last?.attributes['errand.job.will_retry']).toBe(false);
    expect(last?.attributes).not.toHaveProperty('errand.job.retry_at');
    // The failure log lines carry each attempt's trace id, to find the trace from the log.
    await eventually(() => expect(errors).toHaveLength(1));
    expect(warnings.find((fields) => fields.attempt === 1)?.traceId).toBe(first?.spanContext().traceId);
    expect(errors[0]?.traceId).toBe(last?.spanContext().traceId);
  });

  it('ends an attempt cancelled while running as cancelled, status unset', async () => {
    const backend = memory();
    const slow = waitsForAbort();
    const task = defineTask('slow', { handler: slow.handler });
    const queue = createQueue({ backend });
    const id = await queue.enqueue(task, null);
    start(backend, { tasks: [task], logger: quiet, heartbeatMs: 20 });
    await eventually(() => expect(slow.started()).toBe(true));
    await queue.cancel(id);
    await eventually(() => expect(attemptSpans(id)).toHaveLength(1));
    expect(attemptSpans(id)[0]?.attributes['errand.job.outcome']).toBe('cancelled');
    expect(attemptSpans(id)[0]?.status.code).toBe(0);
  });

  it('ends an attempt given back by a stopping worker as released, status unset', async () => {
    const backend = memory();
    const slow = waitsForAbort();
    const task = defineTask('slow', { handler: slow.handler });
    const id = await createQueue({ backend }).enqueue(task, null);
    const worker = start(backend, { tasks: [task], logger: quiet });
    await eventually(() => expect(slow.started()).toBe(true));
    await worker.stop({ timeoutMs: 0 });
    expect(attemptSpans(id).map((span) => [span.attributes['errand.job.outcome'], span.status.code])).toEqual([['released', 0]]);
    expect(await backend.get(id)).toMatchObject({ state: 'queued' });
  });

  it('ends an attempt whose lease was lost while running as lease-lost, status ERROR, and logs it', async () => {
    const inner = memory();
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const logger: WorkerLogger = { ...quiet, warn: (fields, message) => void warnings.push({ fields: fields as Record<string, unknown>, message: message ?? '' }) };
    const backend: JobBackend = { ...inner, heartbeat: (leases) => Promise.resolve(leases.map(() => 'lost' as const)) };
    const slow = waitsForAbort();
    const task = defineTask('slow', { handler: slow.handler });
    const id = await createQueue({ backend }).enqueue(task, null);
    start(backend, { tasks: [task], logger, heartbeatMs: 20 });
    await eventually(() => expect(attemptSpans(id)).toHaveLength(1));
    const [span] = attemptSpans(id);
    expect(span?.attributes['errand.job.outcome']).toBe('lease-lost');
    expect(span?.status).toEqual({ code: 2, message: 'the lease was lost: another worker owns the job now' });
    await eventually(() => expect(warnings.map((line) => line.message)).toContain('lease lost while running: the handler was aborted and its outcome discarded'));
    expect(warnings.find((line) => line.message.startsWith('lease lost while running'))?.fields).toEqual({ jobId: id, attempt: 1 });
    // Nothing was recorded: the job is still the other worker's (here: still running in the store).
    expect(await inner.get(id)).toMatchObject({ state: 'running' });
  });
});
