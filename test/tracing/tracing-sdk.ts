import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/** The real OpenTelemetry SDK registered globally for one test file, spans kept in memory. */
export interface TestTracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: TracerProvider;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  /** The finished span called `name`; throws when there is not exactly one. */
  span(name: string): ReadableSpan;
  /** Unregisters everything (call in afterAll). */
  uninstall(): Promise<void>;
}

/** Registers a tracer provider and an AsyncLocalStorage context manager, as an app's SDK setup does. */
export function installTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  return {
    exporter,
    provider,
    spans,
    span(name) {
      const found = spans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length} among ${spans().map((span) => span.name).join(', ')}`);
      return found[0];
    },
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The parent span id of a finished span (SDK 2+: `parentSpanContext`). */
export function parentSpanId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Polls until `check` holds (no fixed sleeps: the machine may be loaded). */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
