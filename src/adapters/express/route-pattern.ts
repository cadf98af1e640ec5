import { tracingChannel } from 'node:diagnostics_channel';
import type { Request } from 'express';

/**
 * What Express 5's router (the `router` package, 2.3 and later) publishes on its documented
 * `express.router.request` tracing channel for each handler it invokes: the request, the handler,
 * and `route`, the pattern that matched (a mounted router: the path it was mounted with).
 */
interface RouterInvocation {
  req?: unknown;
  handler?: unknown;
  route?: unknown;
}

/** What a request's trail through the routers says, written as the router invokes its handlers. */
interface Trail {
  /** The pattern of each router mount the request entered, by its base URL as the client spelled it (`/tenants/acme/items` → `/tenants/:tenant/items`). */
  mounts: Map<string, string>;
  /** The full pattern of the last route whose handler ran. */
  route?: string;
}

const trails = new WeakMap<object, Trail>();

// A pattern of literal text and `:name` parameters matches exactly as many path segments as it has;
// a wildcard (`*rest`), an optional part (`{/:x}`) or a RegExp does not, and is left to the fallback.
const fixedLength = /^[^*?{}()[\]+!\\]*$/;

function segmentCount(pattern: string): number {
  let count = 0;
  for (const segment of pattern.split('/')) if (segment !== '') count += 1;
  return count;
}

/** `base` without its last `count` segments, or undefined when it has fewer. */
function dropSegments(base: string, count: number): string | undefined {
  const segments = base.split('/');
  if (segments.length - 1 < count) return undefined;
  return segments.slice(0, segments.length - count).join('/');
}

function isRouter(handler: unknown): boolean {
  return typeof handler === 'function' && typeof (handler as { listRoutes?: unknown }).listRoutes === 'function';
}

function trailOf(req: object): Trail {
  let trail = trails.get(req);
  if (trail === undefined) trails.set(req, (trail = { mounts: new Map() }));
  return trail;
}

/** The pattern standing for the base URL `base`: the one recorded when the request entered that mount, else `base` itself. */
function basePattern(trail: Trail | undefined, base: string): string | undefined {
  return base === '' ? '' : trail?.mounts.get(base);
}

function recordMount(req: object, base: string, route: string): void {
  if (!fixedLength.test(route) || base === '') return;
  // The router set `baseUrl` to its parent's base plus the part this mount matched, which has as many
  // segments as the mount's pattern: what is left is the parent's base, whose pattern is known.
  const parent = dropSegments(base, segmentCount(route));
  const trail = trails.get(req);
  const parentPattern = parent === undefined ? undefined : basePattern(trail, parent);
  if (parentPattern !== undefined) (trail ?? trailOf(req)).mounts.set(base, parentPattern + route.replace(/\/+$/, ''));
}

function recordInvocation(message: unknown): void {
  const { req, handler, route } = message as RouterInvocation;
  if (typeof route !== 'string' || typeof req !== 'object' || req === null) return;
  const request = req as { baseUrl?: unknown; route?: { path?: unknown } };
  const base = request.baseUrl;
  if (typeof base !== 'string') return;
  if (isRouter(handler)) recordMount(req, base, route);
  // A route's handler (its own pattern is the one that matched): the pattern is taken now, while
  // `baseUrl` is its router's; an error passed on to the app's handlers resets `baseUrl` to ''.
  else if (request.route?.path === route) {
    const trail = trailOf(req);
    trail.route = (basePattern(trail, base) ?? base) + route;
  }
}

// Held here so the channel and its subscriber live as long as the process.
let routerRequests: ReturnType<typeof tracingChannel> | undefined;

/**
 * Starts following router mounts on Express's `express.router.request` tracing channel (once per
 * process). With a `router` older than 2.3, which publishes nothing there, {@link routePatternOf}
 * falls back to the base URL as the client spelled it.
 */
export function traceRouterMounts(): void {
  if (routerRequests !== undefined) return;
  routerRequests = tracingChannel('express.router.request');
  routerRequests.start.subscribe(recordInvocation);
}

/**
 * The route pattern that answered `req`, mounts included (`/tenants/:tenant/items/:name` for a router
 * mounted with `app.use('/tenants/:tenant/items', router)`), as Fastify and Hono report it; undefined
 * when no route matched. Under a mount it could not follow (a sub-app, a wildcard or RegExp mount
 * path), the base URL as the client spelled it stands for the mount.
 *
 * @example
 * res.once('close', () => console.log(routePatternOf(req))) // '/jobs/:id' for GET /JOBS/42
 */
export function routePatternOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return undefined;
  return trails.get(req)?.route ?? req.baseUrl + path;
}
