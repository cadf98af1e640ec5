import { createRequire } from 'node:module';

/** A running trace pipeline: flushes and stops it (at shutdown). */
export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** The OTLP protocols the reference service exports with. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * The trace protocol asked for by the environment: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf` (the specification's default). `grpc` is
 * refused with a message saying what to use instead.
 */
export function otlpProtocol(env: NodeJS.ProcessEnv): OtlpProtocol {
  const asked = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (asked === 'http/protobuf' || asked === 'http/json') return asked;
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${asked} is not supported by the reference service; use http/protobuf or http/json`);
}

/**
 * Starts OpenTelemetry tracing for this process when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, and does nothing (loads nothing) when it is not.
 * The official SDK: a tracer provider batching to the OTLP exporter of the asked protocol (which
 * reads the endpoint and `OTEL_EXPORTER_OTLP_HEADERS` itself), the AsyncLocalStorage context
 * manager, the W3C trace-context propagator and the http instrumentation, which makes the request
 * spans; errand makes the task, enqueue and job-attempt spans under them. `OTEL_SERVICE_NAME`
 * names the service (default `errand-reference-service`); `OTEL_BSP_SCHEDULE_DELAY` is the batch
 * delay in ms (default 1000).
 *
 * Call it before the service starts serving; every process of `--workers N` calls it for itself.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<TracingHandle | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const protocol = otlpProtocol(env);
  const [api, sdk, contextHooks, core, resources, instrumentation, httpInstrumentation] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
  ]);
  const { OTLPTraceExporter } = protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 1000);
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'errand-reference-service' }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: Number.isFinite(delay) && delay > 0 ? delay : 1000 })],
  });
  api.context.setGlobalContextManager(new contextHooks.AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  const disable = instrumentation.registerInstrumentations({ tracerProvider: provider, instrumentations: [new httpInstrumentation.HttpInstrumentation()] });
  // The http instrumentation patches http.Server when node:http is required after it is enabled;
  // the service imports node:http as an ES module, so require it once here for the patch to apply.
  createRequire(import.meta.url)('node:http');
  return {
    async shutdown() {
      disable();
      await provider.shutdown();
    },
  };
}
