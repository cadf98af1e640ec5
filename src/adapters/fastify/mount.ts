import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { fetchBridge, MountedMiss } from '../shared/fetch-bridge.js';
import type { MountableApp } from '../shared/mountable-app.js';
import { sendReply } from './errand.js';

/**
 * A Fastify plugin serving a Hono app (the dashboard, `createDashboard(…)`) under its prefix, as
 * `app.route(path, sub)` does on Hono: it sees the full request path, its errors and misses go to
 * errand (problem+json with the request id), its localhost check sees the real socket. Bodies reach
 * it unparsed.
 *
 * @example
 * app.register(mount(createDashboard({ backend, auth: { token } })), { prefix: '/ops/dashboard' });
 */
export function mount(sub: MountableApp): FastifyPluginCallback {
  const bridge = fetchBridge(sub);
  return function errandMount(instance: FastifyInstance, _options: unknown, done: (error?: Error) => void): void {
    const base = instance.prefix;
    // The mounted app reads its own bodies: hand it the stream as it arrived.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', function errandPassBody(_request, _payload, done) {
      done(null);
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      let response: Response;
      try {
        response = await bridge(request.raw, reply.raw, base, request.url);
      } catch (error) {
        if (error instanceof MountedMiss) return reply.callNotFound();
        throw error;
      }
      await sendReply(reply, response);
    };
    instance.all('/', handler);
    instance.all('/*', handler);
    done();
  };
}
