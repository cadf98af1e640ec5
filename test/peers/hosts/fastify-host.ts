import { Readable } from 'node:stream';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { ErrandLogger } from '../../../src/logging/errand-logger.js';
import { errand } from '../../../src/adapters/fastify/errand.js';
import type { ErrorRegistry } from '../../../src/errors/error-registry.js';
import type { ProblemFormat } from '../../../src/errors/render-problem.js';
import type { PeerApp, PeerRoute } from '../peer-app.js';
import { validated, type Started } from './started.js';

function mount(app: ReturnType<typeof Fastify>, route: PeerRoute): void {
  app.route({
    method: route.method,
    url: route.path,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const stream = route.streamThenThrow;
      if (stream) {
        const source = Readable.from(
          (async function* chunkThenFail() {
            yield stream.chunk;
            await new Promise((resolve) => setTimeout(resolve, 20));
            throw stream.error();
          })(),
        );
        return reply.type('text/plain').send(source);
      }
      const params = (await validated(route.params, request.params, 'path')) as Record<string, string>;
      const query = (await validated(route.query, request.query, 'query')) as Record<string, string>;
      const body = route.body ? await validated(route.body, request.body, 'body') : request.body;
      const answer = await route.handler!({ params, query, body, background: request.background });
      reply.code(answer.status ?? 200).headers(answer.headers ?? {});
      if (answer.text !== undefined) return reply.type('text/plain; charset=utf-8').send(answer.text);
      return reply.send(answer.json ?? null);
    },
  });
}

/** The app on Fastify: errand(app) on the root, then the routes, on a free port. */
export async function startFastify(spec: PeerApp, format: ProblemFormat, registry: ErrorRegistry, logger: ErrandLogger): Promise<Started> {
  const app = Fastify();
  const { runner } = errand(app, { mode: spec.mode ?? 'production', format, registry, logger, ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }) });
  for (const route of spec.routes) mount(app, route);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return {
    port,
    close: async () => {
      await app.close();
      await runner.drain({ timeoutMs: 5_000 });
    },
  };
}
