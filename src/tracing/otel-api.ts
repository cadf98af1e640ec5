import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';

/** The `@opentelemetry/api` module, typed. */
export type OtelApi = typeof Api;

// undefined: not looked for yet; null: not installed.
let loaded: OtelApi | null | undefined;
// The API's no-op tracer provider: what the global proxy delegates to while no SDK is registered.
let noopProvider: unknown;

/**
 * The `@opentelemetry/api` module when the app has it installed, loaded on first use (an optional
 * peer: an app without it pays one failed lookup, once). errand loads the CommonJS build; the API
 * keeps its tracer provider, context manager and context keys on `globalThis`, so it sees what the
 * app registered through the ES module build as well.
 */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      const api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
      // ProxyTracerProvider is deprecated for apps; here it only names the no-op delegate to compare with.
      noopProvider = new api.ProxyTracerProvider().getDelegate();
      loaded = api;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/**
 * The API when a tracer provider is registered (an SDK is running), else `undefined`: errand then
 * does nothing at all for tracing. Checked on every call, so an SDK started after errand was
 * imported is picked up.
 */
export function tracingApi(): OtelApi | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const provider = api.trace.getTracerProvider() as Partial<Pick<Api.ProxyTracerProvider, 'getDelegate'>>;
  const delegate = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider;
  return delegate === noopProvider ? undefined : api;
}

/** The tracer errand's spans come from (instrumentation scope `errand`). */
export function errandTracer(api: OtelApi): Api.Tracer {
  return api.trace.getTracer('errand');
}
