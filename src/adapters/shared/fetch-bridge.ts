import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { routeMissError } from '../../errors/route-miss-error.js';
import type { allowedMethods as allowedMethodsOf } from '../hono/allowed-methods.js';
import { webRequest } from '../node/web-request.js';
import type { MountableApp } from './mountable-app.js';

export type { MountableApp } from './mountable-app.js';

/** Thrown by the bridge when the mounted app has no route for the request: the host's own 404 then answers. */
export class MountedMiss extends Error {
  override name = 'MountedMiss';
}

interface HonoParts {
  Hono: typeof Hono;
  allowedMethods: typeof allowedMethodsOf;
}

let honoParts: HonoParts | undefined;

/** Hono, imported on the first mounted request: errand/fastify and errand/express load without hono. */
async function loadHono(): Promise<HonoParts> {
  const [{ Hono: HonoApp }, { allowedMethods }] = await Promise.all([import('hono'), import('../hono/allowed-methods.js')]);
  honoParts = { Hono: HonoApp, allowedMethods };
  return honoParts;
}

/**
 * Most mount paths one bridge keeps an app for. `base` is the mount path as the client spelled it:
 * Express matches `/admin/queue` case-insensitively (`/ADMIN/queue` is another base, 1,024 of them
 * for that path) and a mount path with a parameter (`/tenants/:tenant/queue`) matches without end,
 * so a map of every base let any client grow the process's memory (some 25 KB per spelling).
 */
const maxMountedBases = 16;

/**
 * Serves a Hono app at `base` of a Node host: the app sees the full request path, as under
 * `app.route(base, sub)` on Hono (so its pages and cookies find their own path), the Node request and
 * response as `c.env.incoming` / `c.env.outgoing` (`getConnInfo` works), and its errors are thrown
 * to the host's error path instead of answered by Hono's default handler.
 */
export function fetchBridge(sub: Hono<never> | MountableApp): (incoming: IncomingMessage, outgoing: ServerResponse, base: string, url: string, body?: Readable) => Promise<Response> {
  const outers = new Map<string, MountableApp>();
  function outerFor({ Hono: HonoApp, allowedMethods }: HonoParts, base: string): MountableApp {
    let outer = outers.get(base);
    if (outer === undefined) {
      const app = new HonoApp();
      app.onError((error) => {
        throw error;
      });
      app.notFound((c) => {
        // A path the mounted app routes for other methods is its 405 (with `Allow`), as under Hono.
        const allow = allowedMethods(app, c.req.path);
        if (allow.length > 0) throw routeMissError(c.req.method, c.req.path, allow);
        throw new MountedMiss('no route of the mounted app matches');
      });
      app.route(base === '' ? '/' : base, sub as Hono);
      outer = app;
      // The oldest spelling goes first: a real mount path is used again at once and comes back.
      if (outers.size >= maxMountedBases) outers.delete(outers.keys().next().value as string);
      outers.set(base, outer);
    }
    return outer;
  }
  // `body`: what the mounted app reads instead of `incoming` (Fastify's: the request counted against its limit).
  return async (incoming, outgoing, base, url, body = incoming) => {
    const parts = honoParts ?? (await loadHono());
    const bare = webRequest(incoming, url);
    const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD' && (body !== incoming || !incoming.readableEnded);
    const request = hasBody ? new Request(bare, { body: Readable.toWeb(body) as ReadableStream, duplex: 'half' } as RequestInit) : bare;
    return outerFor(parts, base).fetch(request, { incoming, outgoing });
  };
}
