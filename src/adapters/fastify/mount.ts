import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { payloadTooLarge } from '../../errors/payload-too-large.js';
import { fetchBridge, MountedMiss } from '../shared/fetch-bridge.js';
import type { MountableApp } from '../shared/mountable-app.js';
import { sendReply } from './errand.js';

/**
 * The request body as the mounted app reads it, counted against `limit`: past it, the app's read
 * fails with 413 `ERRAND_PAYLOAD_TOO_LARGE` (answered by errand) and the request is no longer read
 * from. It is read as fast as the app reads it (with a stream's buffer ahead: 16 KiB).
 */
function limitedBody(payload: Readable, limit: number): Readable {
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.byteLength;
      if (seen <= limit) {
        callback(null, chunk);
        return;
      }
      payload.unpipe(counted);
      callback(payloadTooLarge(limit));
    },
  });
  return payload.pipe(counted);
}

/**
 * A Fastify plugin serving a Hono app (the dashboard, `createDashboard(…)`) under its prefix, as
 * `app.route(path, sub)` does on Hono: it sees the full request path, its errors and misses go to
 * errand (problem+json with the request id), its localhost check sees the real socket. Bodies reach
 * it unparsed, within the route's body limit (errand's `bodyLimit`, else Fastify's): a larger
 * `Content-Length` is refused with 413 before the app runs, and a chunked body past the limit fails
 * the app's read with the same 413, as on Hono and Express.
 *
 * @example
 * app.register(mount(createDashboard({ backend, auth: { token } })), { prefix: '/ops/dashboard' });
 */
export function mount(sub: MountableApp): FastifyPluginCallback {
  const bridge = fetchBridge(sub);
  return function errandMount(instance: FastifyInstance, _options: unknown, done: (error?: Error) => void): void {
    const base = instance.prefix;
    // The mounted app reads its own bodies: hand it the stream as it arrived, counted against the
    // route's limit (Fastify applies `bodyLimit` only to the bodies it reads itself).
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', function errandPassBody(request, payload, done) {
      const limit = request.routeOptions.bodyLimit;
      if (Number(request.headers['content-length']) > limit) done(payloadTooLarge(limit));
      else done(null, limitedBody(payload, limit));
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      let response: Response;
      try {
        const body = request.body as Readable | undefined;
        response = await bridge(request.raw, reply.raw, base, request.url, body);
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
