import type { Logger } from 'pino';
import { serve } from 'errand/hono';
import type { JobBackend } from 'errand/jobs';
import { createApp, type ServiceApp } from './app.js';
import type { ServiceConfig } from './config.js';

/** One process serving HTTP. */
export interface HttpProcess {
  service: ServiceApp;
  port: number;
  /**
   * Graceful: stops accepting connections, lets in-flight requests finish, drains their
   * after-response tasks (defined tasks still pending at the deadline move to the durable queue),
   * then closes files, mail and store.
   */
  close(): Promise<void>;
}

/**
 * Creates the app and listens on `config.port` with errand's `serve`. Under node:cluster every
 * worker calls this and the primary hands out connections on the one shared port. Signals are
 * handled by the caller, which also owns the durable worker and the SMTP sink.
 */
export async function startHttpProcess(config: ServiceConfig, options: { smtpUrl: string; backend?: JobBackend; logger?: Logger }): Promise<HttpProcess> {
  const service = await createApp(config, options);
  // Per-connection bounds (README: HTTP_*): without maxRequestsPerSocket, 20 connections that each
  // pipelined thousands of requests kept a normal client's request waiting past 30 s.
  const { maxRequestsPerSocket, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  const server = serve({
    fetch: service.app.fetch,
    port: config.port,
    hostname: config.host,
    runner: service.runner,
    signals: false,
    logger: service.logger,
    shutdownTimeoutMs: 10_000,
    maxRequestsPerSocket,
    serverOptions: { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, keepAliveTimeout: keepAliveTimeoutMs },
  });
  const address = await server.listening;
  return {
    service,
    port: address.port,
    async close() {
      await server.shutdown();
      await service.close();
    },
  };
}
