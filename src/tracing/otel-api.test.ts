import { describe, expect, it } from 'vitest';
import { otelApi, tracingApi } from './otel-api.js';
import { captureTraceContext, startTaskSpan } from './task-span.js';
import { activeTraceId, traceLogFields } from './trace-id.js';

describe('tracing without a registered tracer provider', () => {
  it('finds the installed API but does nothing: no context captured, no span, no trace id', () => {
    expect(otelApi()).toBeDefined();
    expect(tracingApi()).toBeUndefined();
    expect(captureTraceContext()).toBeUndefined();
    expect(startTaskSpan(undefined, { name: 'x', requestId: undefined, index: 0 })).toBeUndefined();
    expect(activeTraceId()).toBeUndefined();
    expect(traceLogFields()).toEqual({});
  });
});
