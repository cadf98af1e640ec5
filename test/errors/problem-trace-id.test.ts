/**
 * Problem bodies carry the trace id of the span active when the error is answered (DESIGN: "plus
 * requestId, traceId when tracing"), with the real OpenTelemetry SDK registered, and none without
 * an active span.
 */
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createErrorRegistry, HTTPException, type HandleInput } from '../../src/errors/index.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { installTracing } from '../tracing/tracing-sdk.js';

const tracing = installTracing();
afterAll(async () => {
  await tracing.uninstall();
});

function input(): HandleInput {
  return { request: new Request('http://local/orders/7'), requestId: 'req-1', mode: 'production', extra: {} };
}

describe('the trace id of a problem', () => {
  it('is the active span’s, and absent when no span is active', async () => {
    const registry = createErrorRegistry({ logger: memoryLogger().logger });
    const tracer = trace.getTracer('test');
    const [traceId, body] = await tracer.startActiveSpan('GET /orders/:id', async (span) => {
      try {
        const response = await registry.handle(new HTTPException(404, 'no order 7'), input());
        return [span.spanContext().traceId, (await response.json()) as Record<string, unknown>] as const;
      } finally {
        span.end();
      }
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(body).toMatchObject({ status: 404, requestId: 'req-1', traceId });
    const untraced = (await (await registry.handle(new HTTPException(404), input())).json()) as Record<string, unknown>;
    expect(untraced).not.toHaveProperty('traceId');
  });
});
