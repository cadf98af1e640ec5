import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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
  const server = serve({ fetch: service.app.fetch, port: config.port, hostname: config.host, runner: service.runner, signals: false, logger: service.logger, shutdownTimeoutMs: 10_000 });
  boundConnections(server.server as Server, config.http);
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

/**
 * Node's public per-connection bounds (writable `http.Server` settings, read at each request and
 * at each connections check). Without `maxRequestsPerSocket`, one connection may pipeline thousands
 * of requests: Node parses every request it has read and hands each to the app at once, so 20 such
 * connections kept a normal client's request waiting past 30 s. Node's own bound answers the
 * requests past it with 503 but keeps the connection, and keeps parsing what the client pipelines
 * for as long as it sends. So the answer at the bound also carries `Connection: close` set by the
 * app (the public header, as errand's graceful shutdown does), which makes Node end the connection
 * once that answer is written: a connection gets at most this many answers from the app, and the
 * requests it pipelined past them are never read. RFC 9112 (9.3.2) has a pipelining client retry
 * those on a new connection; every answer before says `Keep-Alive: timeout=…, max=N`.
 */
function boundConnections(server: Server, bounds: ServiceConfig['http']): void {
  server.maxRequestsPerSocket = bounds.maxRequestsPerSocket;
  server.headersTimeout = bounds.headersTimeoutMs;
  server.requestTimeout = bounds.requestTimeoutMs;
  server.keepAliveTimeout = bounds.keepAliveTimeoutMs;
  if (bounds.maxRequestsPerSocket === 0) return;
  const served = new WeakMap<Socket, number>();
  server.on('request', function closeConnectionAtItsBound(request: IncomingMessage, response: ServerResponse) {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    if (count >= bounds.maxRequestsPerSocket) response.setHeader('Connection', 'close');
  });
}
