import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { webRequest } from '../node/web-request.js';
import type { MountableApp } from './mountable-app.js';

export type { MountableApp } from './mountable-app.js';

/** Thrown by the bridge when the mounted app has no route for the request: the host's own 404 then answers. */
export class MountedMiss extends Error {
  override name = 'MountedMiss';
}

/**
 * Serves a Hono app at `base` of a Node host: the app sees the full request path, as under
 * `app.route(base, sub)` on Hono (so its pages and cookies find their own path), the Node request and
 * response as `c.env.incoming` / `c.env.outgoing` (`getConnInfo` works), and its errors are thrown
 * to the host's error path instead of answered by Hono's default handler.
 */
let honoClass: typeof Hono | undefined;

/** Hono, imported on the first mounted request: errand/fastify and errand/express load without hono. */
async function loadHono(): Promise<typeof Hono> {
  honoClass = (await import('hono')).Hono;
  return honoClass;
}

export function fetchBridge(sub: Hono<never> | MountableApp): (incoming: IncomingMessage, outgoing: ServerResponse, base: string, url: string) => Promise<Response> {
  const outers = new Map<string, MountableApp>();
  function outerFor(HonoApp: typeof Hono, base: string): MountableApp {
    let outer = outers.get(base);
    if (outer === undefined) {
      const app = new HonoApp();
      app.onError((error) => {
        throw error;
      });
      app.notFound(() => {
        throw new MountedMiss('no route of the mounted app matches');
      });
      app.route(base === '' ? '/' : base, sub as Hono);
      outer = app;
      // Mount paths are few (one per `app.use(path, …)`); the map never grows past them.
      outers.set(base, outer);
    }
    return outer;
  }
  return async (incoming, outgoing, base, url) => {
    const HonoApp = honoClass ?? (await loadHono());
    const bare = webRequest(incoming, url);
    const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD' && !incoming.readableEnded;
    const request = hasBody ? new Request(bare, { body: Readable.toWeb(incoming) as ReadableStream, duplex: 'half' } as RequestInit) : bare;
    return outerFor(HonoApp, base).fetch(request, { incoming, outgoing });
  };
}
